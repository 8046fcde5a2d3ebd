{{/* The OpenShift restricted security context of a container (indented for the pod template), or nothing on plain Kubernetes. */}}
{{- define "kubestellar.securityContext" -}}
{{- if eq .Values.clusterType "OpenShift" -}}
{{- `securityContext:
  runAsNonRoot: true
  allowPrivilegeEscalation: false
  capabilities:
    drop: ["ALL"]
  seccompProfile:
    type: RuntimeDefault` | nindent 8 }}
{{- end -}}
{{- end -}}

{{/* Labels every object of the release carries. */}}
{{- define "kubestellar.labels" -}}
app.kubernetes.io/name: kubestellar
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* A readiness probe: the container has touched /home/kubestellar/ready. */}}
{{- define "kubestellar.readyProbe" -}}
readinessProbe:
  exec:
    command: ["test", "-f", "/home/kubestellar/ready"]
  periodSeconds: 5
{{- end -}}
