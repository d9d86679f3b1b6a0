{{/* Names and labels shared by every object of the release. */}}
{{- define "fleetsim.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 52 | trimSuffix "-" -}}
{{- end -}}

{{- define "fleetsim.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "fleetsim.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "fleetsim.claim" -}}
{{ .Values.results.existingClaim | default (printf "%s-results" (include "fleetsim.fullname" .)) }}
{{- end -}}

{{- define "fleetsim.scenarioConfigMap" -}}
{{ .Values.scenario.existingConfigMap | default (printf "%s-scenario" (include "fleetsim.fullname" .)) }}
{{- end -}}
