{{/* Names and labels. */}}
{{- define "wairo.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "wairo.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: wairo
{{- end -}}

{{/* Selector labels of one component: include "wairo.selectorLabels" (list $ "worker") */}}
{{- define "wairo.selectorLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ $root.Chart.Name }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "wairo.componentLabels" -}}
{{ include "wairo.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{/* Image reference: include "wairo.image" (list $ "api") */}}
{{- define "wairo.image" -}}
{{- $root := index . 0 -}}
{{- $image := index $root.Values.image (index . 1) -}}
{{- $tag := $image.tag | default $root.Chart.AppVersion -}}
{{- if $root.Values.global.imageRegistry -}}
{{- printf "%s/%s:%s" $root.Values.global.imageRegistry $image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" $image.repository $tag -}}
{{- end -}}
{{- end -}}

{{- define "wairo.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- .Values.serviceAccount.name | default (include "wairo.fullname" .) -}}
{{- else -}}
{{- .Values.serviceAccount.name | default "default" -}}
{{- end -}}
{{- end -}}

{{- define "wairo.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "wairo.fullname" .)) -}}
{{- end -}}

{{- define "wairo.configMapName" -}}
{{- printf "%s-config" (include "wairo.fullname" .) -}}
{{- end -}}

{{/* The WAIRO_* environment of api-image containers (ConfigMap + Secret). */}}
{{- define "wairo.envFrom" -}}
- configMapRef:
    name: {{ include "wairo.configMapName" . }}
- secretRef:
    name: {{ include "wairo.secretName" . }}
{{- end -}}

{{- define "wairo.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end -}}

{{- define "wairo.securityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end -}}

{{- define "wairo.imagePullSecrets" -}}
{{- with .Values.global.imagePullSecrets }}
imagePullSecrets:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "wairo.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
{{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{- define "wairo.visionUrl" -}}
{{- printf "http://%s-vision-serve-svc:8000" (include "wairo.fullname" .) -}}
{{- end -}}

{{/* Non-secret WAIRO_* settings (ConfigMap data; also inlined in the migration hook). */}}
{{/* An ingress host's URL: (list $ "main"), https when ingress.tls lists that host. */}}
{{- define "wairo.ingressUrl" -}}
{{- $root := index . 0 -}}
{{- $name := index . 1 -}}
{{- $host := required (printf "ingress.hosts.%s is required" $name) (index $root.Values.ingress.hosts $name) -}}
{{- $scheme := "http" -}}
{{- range $root.Values.ingress.tls -}}
{{- if has $host (.hosts | default list) -}}{{- $scheme = "https" -}}{{- end -}}
{{- end -}}
{{- printf "%s://%s" $scheme $host -}}
{{- end -}}

{{/* Public base URL of the platform's links: config.webBaseUrl, else the main API's ingress host. */}}
{{- define "wairo.webBaseUrl" -}}
{{- if .Values.config.webBaseUrl -}}
{{- .Values.config.webBaseUrl | trimSuffix "/" -}}
{{- else -}}
{{- include "wairo.ingressUrl" (list . "main") -}}
{{- end -}}
{{- end -}}

{{/* The media API's public URL (the web pages upload selfies through it): config.mediaBaseUrl, else its ingress host. */}}
{{- define "wairo.mediaBaseUrl" -}}
{{- if .Values.config.mediaBaseUrl -}}
{{- .Values.config.mediaBaseUrl | trimSuffix "/" -}}
{{- else -}}
{{- include "wairo.ingressUrl" (list . "media") -}}
{{- end -}}
{{- end -}}

{{- define "wairo.configData" -}}
WAIRO_ENV: {{ .Values.config.env | quote }}
WAIRO_S3_ENDPOINT: {{ .Values.config.s3.endpoint | quote }}
WAIRO_S3_PUBLIC_ENDPOINT: {{ .Values.config.s3.publicEndpoint | default .Values.config.s3.endpoint | quote }}
WAIRO_S3_REGION: {{ .Values.config.s3.region | quote }}
WAIRO_S3_BUCKET: {{ .Values.config.s3.bucket | quote }}
WAIRO_STRIPE_API_BASE: {{ .Values.config.stripeApiBase | quote }}
WAIRO_VISION_URL: {{ include "wairo.visionUrl" . | quote }}
WAIRO_KUBERNETES_ENABLED: {{ .Values.config.kubernetesEnabled | quote }}
WAIRO_WEB_BASE_URL: {{ include "wairo.webBaseUrl" . | quote }}
WAIRO_MEDIA_BASE_URL: {{ include "wairo.mediaBaseUrl" . | quote }}
{{- range $name, $value := .Values.config.extraEnv }}
{{ $name }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* Secret WAIRO_* settings from values (when no existingSecret). */}}
{{- define "wairo.secretData" -}}
{{- $s := .Values.secrets -}}
{{- $hint := "(or set secrets.existingSecret)" -}}
WAIRO_DATABASE_URL: {{ required (printf "secrets.databaseUrl is required %s" $hint) $s.databaseUrl | quote }}
WAIRO_BROKER_URL: {{ required (printf "secrets.brokerUrl is required %s" $hint) $s.brokerUrl | quote }}
WAIRO_S3_ACCESS_KEY: {{ required (printf "secrets.s3AccessKey is required %s" $hint) $s.s3AccessKey | quote }}
WAIRO_S3_SECRET_KEY: {{ required (printf "secrets.s3SecretKey is required %s" $hint) $s.s3SecretKey | quote }}
WAIRO_STRIPE_API_KEY: {{ $s.stripeApiKey | quote }}
WAIRO_STRIPE_WEBHOOK_SECRET: {{ required (printf "secrets.stripeWebhookSecret is required %s" $hint) $s.stripeWebhookSecret | quote }}
WAIRO_JWT_SECRET: {{ required (printf "secrets.jwtSecret is required %s" $hint) $s.jwtSecret | quote }}
WAIRO_STORAGE_EVENTS_SECRET: {{ required (printf "secrets.storageEventsSecret is required %s" $hint) $s.storageEventsSecret | quote }}
{{- end -}}

{{/* Pod-level boilerplate shared by every workload: SA, security context, pull secrets, scheduling.
     include "wairo.podCommon" (list $ "service-account-name-or-empty" automountToken) */}}
{{- define "wairo.podCommon" -}}
{{- $root := index . 0 -}}
serviceAccountName: {{ index . 1 | default (include "wairo.serviceAccountName" $root) }}
automountServiceAccountToken: {{ index . 2 }}
securityContext:
  {{- include "wairo.podSecurityContext" $root | nindent 2 }}
{{- include "wairo.imagePullSecrets" $root }}
{{- include "wairo.scheduling" $root }}
{{- end -}}

{{/* Vision settings for the Ray containers. */}}
{{- define "wairo.visionEnv" -}}
- name: WAIRO_VISION_BACKEND
  value: {{ .Values.vision.backend | quote }}
- name: WAIRO_VISION_NUM_GPUS
  value: {{ .Values.vision.workers.numGpus | quote }}
- name: WAIRO_VISION_MAX_BATCH_SIZE
  value: {{ .Values.vision.maxBatchSize | quote }}
- name: RAY_USAGE_STATS_ENABLED
  value: "0"
{{- end -}}

{{/* Metrics (values metrics.*): a pod whose processes (uvicorn workers, Celery's prefork pool) share
     one multiprocess directory, an emptyDir in memory; a scrape of any process sums them all. */}}
{{- define "wairo.metricsEnv" -}}
- name: PROMETHEUS_MULTIPROC_DIR
  value: {{ .Values.metrics.multiprocDir | quote }}
{{- end -}}

{{- define "wairo.metricsVolumeMount" -}}
- {name: metrics, mountPath: {{ .Values.metrics.multiprocDir }}}
{{- end -}}

{{- define "wairo.metricsVolume" -}}
- name: metrics
  emptyDir: {medium: Memory, sizeLimit: 64Mi}
{{- end -}}

{{/* A ServiceMonitor of one component: include "wairo.serviceMonitor" (list $ "worker" "metrics") */}}
{{- define "wairo.serviceMonitor" -}}
{{- $root := index . 0 -}}
{{- $component := index . 1 -}}
{{- $sm := $root.Values.metrics.serviceMonitor -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "wairo.fullname" $root }}-{{ $component }}
  labels:
    {{- include "wairo.componentLabels" (list $root $component) | nindent 4 }}
    {{- with $sm.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "wairo.selectorLabels" (list $root $component) | nindent 6 }}
  endpoints:
    - port: {{ index . 2 }}
      path: /metrics
      interval: {{ $sm.interval }}
      scrapeTimeout: {{ $sm.scrapeTimeout }}
{{- end -}}
