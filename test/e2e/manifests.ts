/** Manifests the kubectl end-to-end tests apply (multi-document YAML, as users write them). */

export const NAMESPACE = 'e2e';

export function appManifest(options: { configValue?: string; replicas?: number } = {}): string {
  return `apiVersion: v1
kind: Namespace
metadata:
  name: ${NAMESPACE}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
  namespace: ${NAMESPACE}
data:
  greeting: ${options.configValue ?? 'hello'}
---
apiVersion: v1
kind: Secret
metadata:
  name: app-secret
  namespace: ${NAMESPACE}
type: Opaque
data:
  password: czNjcmV0
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: ${NAMESPACE}
  labels:
    app: web
spec:
  replicas: ${options.replicas ?? 2}
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: registry.local/nginx:1.25
        ports:
        - containerPort: 80
        env:
        - name: GREETING
          valueFrom:
            configMapKeyRef:
              name: app-config
              key: greeting
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: ${NAMESPACE}
spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: 80
`;
}

export const POD_MANIFEST = `apiVersion: v1
kind: Pod
metadata:
  name: solo
  namespace: ${NAMESPACE}
  labels:
    app: solo
spec:
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
`;
