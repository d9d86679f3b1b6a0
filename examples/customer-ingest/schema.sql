-- The customer's own schema: one row per (tenant, device, software), its latest reported phase.
-- Nothing here is fleetsim's: the names, the codes (IOS, QUEUED, IN_PROGRESS, ...) and the
-- "counter" that decides which report is newer are the service's own.
CREATE TABLE IF NOT EXISTS device_software_status (
  tenant      text        NOT NULL,
  serial      text        NOT NULL,
  os          text        NOT NULL,
  bundle      text        NOT NULL,
  version     text        NOT NULL,
  deployment  text        NOT NULL,
  phase       text        NOT NULL,
  detail      text        NOT NULL,
  vendor_code text,
  counter     integer     NOT NULL,
  observed_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, serial, bundle)
);
CREATE INDEX IF NOT EXISTS device_software_status_bundle ON device_software_status (bundle);
