{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "flyte-connect.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Resource name prefix: the release name, plus the chart name unless the release name already contains it. */}}
{{- define "flyte-connect.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Name of the headless Service; kept within 63 characters with its suffix. */}}
{{- define "flyte-connect.headlessName" -}}
{{- printf "%s-headless" (include "flyte-connect.fullname" . | trunc 54 | trimSuffix "-") }}
{{- end }}

{{- define "flyte-connect.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select this release's pods; never change them on upgrade (Deployment selectors are immutable). */}}
{{- define "flyte-connect.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flyte-connect.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flyte-connect.labels" -}}
helm.sh/chart: {{ include "flyte-connect.chart" . }}
{{ include "flyte-connect.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flyte
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "flyte-connect.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flyte-connect.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "flyte-connect.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}
{{- end }}

{{/*
The pod's terminationGracePeriodSeconds, derived from the server's drain period so the two cannot drift apart:
the preStop sleep runs first, then SIGTERM starts the drain, and the margin lets the process exit on its own.
*/}}
{{- define "flyte-connect.terminationGracePeriodSeconds" -}}
{{- add .Values.termination.preStopSleepSeconds .Values.server.gracePeriodSeconds .Values.termination.marginSeconds }}
{{- end }}

{{/* A gRPC probe on the health service; `probe` is one entry of .Values.probes. */}}
{{- define "flyte-connect.grpcProbe" -}}
grpc:
  port: {{ .root.Values.server.grpcPort }}
  service: {{ .root.Values.probes.healthService | quote }}
{{- with .probe }}
{{ toYaml . }}
{{- end }}
{{- end }}
