/** What each benchmark does, in words, rendered under its figures. */
export const HOW = {
  mqtt: `How: \`fleetsim serve\` in its own process, fresh for every pass. fleetsim drives the bench fleet
(four platforms, \`window: fixed\`) in shared-connection mode: 16 connections, 256 events in flight, QoS 1. The
baseline is a raw mqtt.js publisher with 16 clients and 16 publishes outstanding each, sending every event of the
same fleet prebuilt (same encoder, other seed) once, in the simulator's order: its steady window is the same part
of a fleet's timeline as fleetsim's (mostly updates; the first part is mostly first reports, cheaper for the
endpoint's store), so the endpoint does the same work on both. fleetsim's figure includes the lifecycle step, its
ground truth, encoding, the acknowledgement deadline and run metrics; the baseline's includes none of them.
The raw publisher runs mqtt.js as it comes (Nagle's algorithm on, a write per publish); the lean connection sets
TCP_NODELAY and writes what a pass of the event loop sent on a socket in one go.
Command: \`node dist/bench/mqtt-ratio.js [--rounds 3] [--devices 60000]\`.`,
  http: `How: \`fleetsim serve\` in its own process, fresh for every pass. fleetsim drives the bench fleet over
HTTP, one event per POST, 32 keep-alive connections, pipelining 1, 64 events in flight (undici queues the next
request per connection as autocannon does). autocannon runs with 32 connections, pipelining 1, bodies that are
the same fleet's events encoded by the same code. Command: \`node dist/bench/http-ratio.js [--rounds 3]\`.`,
};
