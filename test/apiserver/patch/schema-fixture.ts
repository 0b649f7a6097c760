/** Small hand-made OpenAPI definitions with upstream names and merge metadata, for patch tests. */
import type { Definitions, SchemaNode } from '../../../src/api/schema/schema-node.js';

const ref = (name: string): SchemaNode => ({ $ref: `#/definitions/${name}` });
const str: SchemaNode = { type: 'string' };
const int: SchemaNode = { type: 'integer', format: 'int32' };
const stringMap: SchemaNode = { type: 'object', additionalProperties: str };

export const definitions: Definitions = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    type: 'object',
    properties: {
      name: str, namespace: str, uid: str, resourceVersion: str,
      labels: stringMap,
      annotations: stringMap,
      finalizers: { type: 'array', items: str, 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' },
      ownerReferences: {
        type: 'array', items: ref('io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference'),
        'x-kubernetes-patch-merge-key': 'uid', 'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['uid'],
      },
      managedFields: { type: 'array', items: { type: 'object' } },
    },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference': {
    type: 'object', properties: { apiVersion: str, kind: str, name: str, uid: str, controller: { type: 'boolean' } },
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector': {
    type: 'object', 'x-kubernetes-map-type': 'atomic',
    properties: { matchLabels: stringMap, matchExpressions: { type: 'array', items: { type: 'object' } } },
  },
  'io.k8s.api.apps.v1.Deployment': {
    type: 'object',
    properties: {
      apiVersion: str, kind: str,
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
      spec: ref('io.k8s.api.apps.v1.DeploymentSpec'),
      status: { type: 'object', properties: { replicas: int } },
    },
  },
  'io.k8s.api.apps.v1.DeploymentSpec': {
    type: 'object',
    properties: {
      replicas: int,
      selector: ref('io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'),
      strategy: { ...ref('io.k8s.api.apps.v1.DeploymentStrategy'), 'x-kubernetes-patch-strategy': 'retainKeys' },
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
      minReadySeconds: int,
    },
  },
  'io.k8s.api.apps.v1.DeploymentStrategy': {
    type: 'object',
    properties: { type: str, rollingUpdate: ref('io.k8s.api.apps.v1.RollingUpdateDeployment') },
  },
  'io.k8s.api.apps.v1.RollingUpdateDeployment': {
    type: 'object',
    properties: { maxSurge: { format: 'int-or-string', 'x-kubernetes-int-or-string': true }, maxUnavailable: { format: 'int-or-string', 'x-kubernetes-int-or-string': true } },
  },
  'io.k8s.api.core.v1.PodTemplateSpec': {
    type: 'object',
    properties: { metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), spec: ref('io.k8s.api.core.v1.PodSpec') },
  },
  'io.k8s.api.core.v1.PodSpec': {
    type: 'object',
    properties: {
      containers: {
        type: 'array', items: ref('io.k8s.api.core.v1.Container'),
        'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
      },
      volumes: {
        type: 'array', items: ref('io.k8s.api.core.v1.Volume'),
        'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge,retainKeys',
        'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
      },
      tolerations: { type: 'array', items: ref('io.k8s.api.core.v1.Toleration'), 'x-kubernetes-list-type': 'atomic' },
      nodeSelector: stringMap,
      restartPolicy: str,
    },
  },
  'io.k8s.api.core.v1.Toleration': { type: 'object', properties: { key: str, operator: str, effect: str } },
  'io.k8s.api.core.v1.Container': {
    type: 'object',
    properties: {
      name: str, image: str,
      args: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      env: {
        type: 'array', items: ref('io.k8s.api.core.v1.EnvVar'),
        'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'],
      },
      ports: {
        type: 'array', items: ref('io.k8s.api.core.v1.ContainerPort'),
        'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
      resources: { type: 'object', properties: { limits: stringMap, requests: stringMap } },
    },
  },
  'io.k8s.api.core.v1.EnvVar': { type: 'object', properties: { name: str, value: str } },
  'io.k8s.api.core.v1.ContainerPort': { type: 'object', properties: { containerPort: int, protocol: str, name: str } },
  'io.k8s.api.core.v1.Volume': {
    type: 'object',
    properties: {
      name: str,
      emptyDir: { type: 'object', properties: { medium: str } },
      hostPath: { type: 'object', properties: { path: str } },
      configMap: { type: 'object', properties: { name: str } },
    },
  },
  'io.k8s.api.core.v1.ConfigMap': {
    type: 'object',
    properties: { apiVersion: str, kind: str, metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'), data: stringMap },
  },
  'io.k8s.api.core.v1.Service': {
    type: 'object',
    properties: {
      apiVersion: str, kind: str,
      metadata: ref('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'),
      spec: {
        type: 'object',
        properties: {
          type: str, clusterIP: str, selector: stringMap,
          ports: {
            type: 'array', items: ref('io.k8s.api.core.v1.ServicePort'),
            'x-kubernetes-patch-merge-key': 'port', 'x-kubernetes-patch-strategy': 'merge',
            'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['port', 'protocol'],
          },
        },
      },
    },
  },
  'io.k8s.api.core.v1.ServicePort': {
    type: 'object', properties: { name: str, port: int, protocol: str, targetPort: { format: 'int-or-string', 'x-kubernetes-int-or-string': true } },
  },
};

export function resolve(node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.replace('#/definitions/', '');
  const target = definitions[name];
  if (!target) throw new Error(`unknown definition ${name}`);
  return target;
}

export const deploymentSchema = definitions['io.k8s.api.apps.v1.Deployment']!;
export const configMapSchema = definitions['io.k8s.api.core.v1.ConfigMap']!;
export const serviceSchema = definitions['io.k8s.api.core.v1.Service']!;

/** Freezes a value deeply, so a test fails if code under test writes into its inputs. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
