#!/usr/bin/env node
// Generates src/api/schema/definitions.json (OpenAPI v2-style definitions with upstream names) from the
// kubernetes-types .d.ts files: one description of every kind yields types, validation and OpenAPI.
// Run with `npm run generate:schemas`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const typesDir = join(root, 'node_modules', 'kubernetes-types');
// `--out FILE` writes elsewhere (the tests use it to check that the committed file is current).
const outArg = process.argv.indexOf('--out');
const outFile = outArg > 0 ? process.argv[outArg + 1] : join(root, 'src', 'api', 'schema', 'definitions.json');

/** kubernetes-types module (path without .d.ts) → upstream definition-name prefix. */
const modules = {
  'core/v1': 'io.k8s.api.core.v1',
  'apps/v1': 'io.k8s.api.apps.v1',
  'batch/v1': 'io.k8s.api.batch.v1',
  'autoscaling/v1': 'io.k8s.api.autoscaling.v1',
  'autoscaling/v2': 'io.k8s.api.autoscaling.v2',
  'coordination/v1': 'io.k8s.api.coordination.v1',
  'events/v1': 'io.k8s.api.events.v1',
  'policy/v1': 'io.k8s.api.policy.v1',
  'scheduling/v1': 'io.k8s.api.scheduling.v1',
  'meta/v1': 'io.k8s.apimachinery.pkg.apis.meta.v1',
  'runtime': 'io.k8s.apimachinery.pkg.runtime',
  'api/resource': 'io.k8s.apimachinery.pkg.api.resource',
};

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** Integer fields that are int64 upstream (everything else is int32). Keyed by property name. */
const int64Fields = new Set([
  'generation', 'observedGeneration', 'deletionGracePeriodSeconds', 'remainingItemCount', 'gracePeriodSeconds',
  'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'runAsUser', 'runAsGroup', 'fsGroup',
  'supplementalGroups', 'tolerationSeconds', 'startingDeadlineSeconds', 'expirationSeconds', 'sizeBytes',
  'seconds',
]);
/** Same, keyed by 'Definition.property' for names that are int32 elsewhere. */
const int64ByDefinition = new Set(['io.k8s.api.apps.v1.ControllerRevision.revision']);
/** String fields holding base64 bytes. */
const byteFields = new Set(['io.k8s.api.core.v1.Secret.data', 'io.k8s.api.core.v1.ConfigMap.binaryData']);

/**
 * Strategic-merge and list metadata as upstream declares it (Go struct tags patchMergeKey / patchStrategy and
 * +listType / +listMapKey markers). Key: 'Definition.property' (definition without its module prefix is
 * resolved against every module). Every `conditions` list gets merge key `type` unless listed here.
 */
const listMetadata = {
  'core.v1.PodSpec.containers': { key: 'name', strategy: 'merge' },
  'core.v1.PodSpec.initContainers': { key: 'name', strategy: 'merge' },
  'core.v1.PodSpec.ephemeralContainers': { key: 'name', strategy: 'merge' },
  'core.v1.PodSpec.volumes': { key: 'name', strategy: 'merge,retainKeys' },
  'core.v1.PodSpec.imagePullSecrets': { key: 'name', strategy: 'merge' },
  'core.v1.PodSpec.hostAliases': { key: 'ip', strategy: 'merge', listType: 'map', mapKeys: ['ip'] },
  'core.v1.PodSpec.tolerations': { listType: 'atomic' },
  'core.v1.PodSpec.topologySpreadConstraints': {
    key: 'topologyKey', strategy: 'merge', listType: 'map', mapKeys: ['topologyKey', 'whenUnsatisfiable'],
  },
  'core.v1.PodSpec.schedulingGates': { key: 'name', strategy: 'merge', listType: 'map', mapKeys: ['name'] },
  'core.v1.PodSpec.resourceClaims': { key: 'name', strategy: 'merge,retainKeys', listType: 'map', mapKeys: ['name'] },
  'core.v1.PodSpec.readinessGates': { listType: 'atomic' },
  'core.v1.Container.env': { key: 'name', strategy: 'merge' },
  'core.v1.Container.ports': { key: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort', 'protocol'] },
  'core.v1.Container.volumeMounts': { key: 'mountPath', strategy: 'merge' },
  'core.v1.Container.volumeDevices': { key: 'devicePath', strategy: 'merge' },
  'core.v1.Container.args': { listType: 'atomic' },
  'core.v1.Container.command': { listType: 'atomic' },
  'core.v1.Container.envFrom': { listType: 'atomic' },
  'core.v1.Container.resizePolicy': { listType: 'atomic' },
  'core.v1.EphemeralContainer.env': { key: 'name', strategy: 'merge' },
  'core.v1.EphemeralContainer.ports': { key: 'containerPort', strategy: 'merge', listType: 'map', mapKeys: ['containerPort', 'protocol'] },
  'core.v1.EphemeralContainer.volumeMounts': { key: 'mountPath', strategy: 'merge' },
  'core.v1.EphemeralContainer.volumeDevices': { key: 'devicePath', strategy: 'merge' },
  'core.v1.EphemeralContainer.args': { listType: 'atomic' },
  'core.v1.EphemeralContainer.command': { listType: 'atomic' },
  'core.v1.EphemeralContainer.envFrom': { listType: 'atomic' },
  'core.v1.EphemeralContainer.resizePolicy': { listType: 'atomic' },
  'core.v1.ExecAction.command': { listType: 'atomic' },
  'core.v1.PodStatus.podIPs': { key: 'ip', strategy: 'merge' },
  'core.v1.PodStatus.hostIPs': { key: 'ip', strategy: 'merge', listType: 'atomic' },
  'core.v1.PodStatus.resourceClaimStatuses': { key: 'name', strategy: 'merge,retainKeys', listType: 'map', mapKeys: ['name'] },
  'core.v1.PodStatus.containerStatuses': { listType: 'atomic' },
  'core.v1.PodStatus.initContainerStatuses': { listType: 'atomic' },
  'core.v1.NodeStatus.addresses': { key: 'type', strategy: 'merge' },
  'core.v1.NodeSpec.podCIDRs': { strategy: 'merge', listType: 'set' },
  'core.v1.NodeSpec.taints': { listType: 'atomic' },
  'core.v1.ServiceSpec.ports': { key: 'port', strategy: 'merge', listType: 'map', mapKeys: ['port', 'protocol'] },
  'core.v1.ServiceSpec.clusterIPs': { listType: 'atomic' },
  'core.v1.ServiceSpec.ipFamilies': { listType: 'atomic' },
  'core.v1.ServiceSpec.externalIPs': { listType: 'atomic' },
  'core.v1.ServiceAccount.secrets': { key: 'name', strategy: 'merge' },
  'core.v1.ResourceRequirements.claims': { listType: 'map', mapKeys: ['name'] },
  'core.v1.LoadBalancerStatus.ingress': { listType: 'atomic' },
  'core.v1.PodSecurityContext.supplementalGroups': { listType: 'atomic' },
  'core.v1.PodSecurityContext.sysctls': { listType: 'atomic' },
  'core.v1.Capabilities.add': { listType: 'atomic' },
  'core.v1.Capabilities.drop': { listType: 'atomic' },
  'core.v1.NodeSelector.nodeSelectorTerms': { listType: 'atomic' },
  'core.v1.NodeSelectorTerm.matchExpressions': { listType: 'atomic' },
  'core.v1.NodeSelectorTerm.matchFields': { listType: 'atomic' },
  'core.v1.NodeSelectorRequirement.values': { listType: 'atomic' },
  'core.v1.Endpoints.subsets': { listType: 'atomic' },
  'core.v1.NamespaceSpec.finalizers': { listType: 'atomic' },
  'core.v1.PersistentVolumeClaimSpec.accessModes': { listType: 'atomic' },
  'meta.v1.ObjectMeta.finalizers': { strategy: 'merge', listType: 'set' },
  'meta.v1.ObjectMeta.ownerReferences': { key: 'uid', strategy: 'merge', listType: 'map', mapKeys: ['uid'] },
  'meta.v1.LabelSelector.matchExpressions': { listType: 'atomic' },
  'meta.v1.LabelSelectorRequirement.values': { listType: 'atomic' },
  'apps.v1.StatefulSetSpec.volumeClaimTemplates': { listType: 'atomic' },
  'batch.v1.JobStatus.conditions': { key: 'type', strategy: 'merge', listType: 'atomic' },
  'batch.v1.CronJobStatus.active': { listType: 'atomic' },
  'batch.v1.PodFailurePolicy.rules': { listType: 'atomic' },
  'autoscaling.v2.HorizontalPodAutoscalerSpec.metrics': { listType: 'atomic' },
  'autoscaling.v2.HorizontalPodAutoscalerStatus.currentMetrics': { listType: 'atomic' },
  'autoscaling.v2.HPAScalingRules.policies': { listType: 'atomic' },
};
/** Non-list patch strategies (retainKeys on union structs). */
const fieldStrategies = {
  'apps.v1.DeploymentSpec.strategy': 'retainKeys',
};
/** Structs and maps that are replaced as a whole by server-side apply. */
const atomicStructs = new Set([
  'meta.v1.LabelSelector', 'core.v1.LocalObjectReference', 'core.v1.ObjectReference', 'core.v1.NodeSelector',
  'core.v1.NodeSelectorTerm', 'core.v1.TopologySelectorTerm', 'core.v1.ConfigMapKeySelector',
  'core.v1.SecretKeySelector', 'core.v1.ObjectFieldSelector', 'core.v1.ResourceFieldSelector',
  'core.v1.TypedLocalObjectReference', 'core.v1.SecretReference',
]);

/** Definitions that have no interface in kubernetes-types or need a hand-written shape. */
const fixedDefinitions = {
  [INT_OR_STRING]: {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    type: 'string', format: 'int-or-string', 'x-kubernetes-int-or-string': true,
  },
};

const shortKey = (definition) => definition.replace(/^io\.k8s\.api\./, '').replace(/^io\.k8s\.apimachinery\.pkg\.apis\./, '');

function jsDocText(node) {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const last = docs[docs.length - 1];
  if (!last || last.comment === undefined) return undefined;
  const text = typeof last.comment === 'string' ? last.comment : ts.getTextOfJSDocComment(last.comment);
  return text?.trim() || undefined;
}

function loadModule(module) {
  const file = join(typesDir, `${module}.d.ts`);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const imports = new Map(); // local name → module
  const declarations = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const from = posix.normalize(posix.join(posix.dirname(module), statement.moduleSpecifier.text));
      for (const element of statement.importClause?.namedBindings?.elements ?? []) imports.set(element.name.text, from);
    } else if (ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) {
      declarations.push(statement);
    }
  }
  return { module, imports, declarations };
}

function definitionName(ctx, typeName) {
  const module = ctx.imports.get(typeName) ?? ctx.module;
  const prefix = modules[module];
  if (!prefix) throw new Error(`${ctx.module}: type ${typeName} comes from unmapped module ${module}`);
  return `${prefix}.${typeName}`;
}

function integer(definition, property) {
  const int64 = int64Fields.has(property) || int64ByDefinition.has(`${definition}.${property}`);
  return { type: 'integer', format: int64 ? 'int64' : 'int32' };
}

/** Converts one TypeScript type node into a SchemaNode. */
function schemaOf(ctx, node, definition, property) {
  switch (node.kind) {
    case ts.SyntaxKind.StringKeyword:
      return byteFields.has(`${definition}.${property}`) ? { type: 'string', format: 'byte' } : { type: 'string' };
    case ts.SyntaxKind.NumberKeyword: return integer(definition, property);
    case ts.SyntaxKind.BooleanKeyword: return { type: 'boolean' };
    case ts.SyntaxKind.LiteralType: return { type: 'string' }; // apiVersion / kind literals
    case ts.SyntaxKind.ArrayType: return { type: 'array', items: schemaOf(ctx, node.elementType, definition, property) };
    case ts.SyntaxKind.UnionType: {
      const kinds = new Set(node.types.map((t) => t.kind));
      if (kinds.has(ts.SyntaxKind.NumberKeyword) && kinds.has(ts.SyntaxKind.StringKeyword) && kinds.size === 2) {
        return { $ref: `#/definitions/${INT_OR_STRING}` };
      }
      if ([...kinds].every((k) => k === ts.SyntaxKind.LiteralType)) return { type: 'string' };
      throw new Error(`${definition}.${property}: unsupported union ${node.getText()}`);
    }
    case ts.SyntaxKind.TypeLiteral: {
      const index = node.members.find(ts.isIndexSignatureDeclaration);
      if (!index || node.members.length !== 1) throw new Error(`${definition}.${property}: unsupported type literal`);
      return { type: 'object', additionalProperties: schemaOf(ctx, index.type, definition, property) };
    }
    case ts.SyntaxKind.TypeReference: {
      const name = node.typeName.getText();
      if (name === 'Array') return { type: 'array', items: schemaOf(ctx, node.typeArguments[0], definition, property) };
      return { $ref: `#/definitions/${definitionName(ctx, name)}` };
    }
    default:
      throw new Error(`${definition}.${property}: unsupported type ${ts.SyntaxKind[node.kind]} (${node.getText()})`);
  }
}

function withDescription(schema, description) {
  return description ? { ...schema, description } : schema;
}

function applyListMetadata(definition, property, schema, itemIsConditionLike) {
  const key = `${shortKey(definition)}.${property}`;
  const meta = listMetadata[key] ?? (property === 'conditions' && itemIsConditionLike
    ? { key: 'type', strategy: 'merge', listType: 'map', mapKeys: ['type'] } : undefined);
  if (meta) {
    if (meta.key) schema['x-kubernetes-patch-merge-key'] = meta.key;
    if (meta.strategy) schema['x-kubernetes-patch-strategy'] = meta.strategy;
    if (meta.listType) schema['x-kubernetes-list-type'] = meta.listType;
    if (meta.mapKeys) schema['x-kubernetes-list-map-keys'] = meta.mapKeys;
  }
  const strategy = fieldStrategies[key];
  if (strategy) schema['x-kubernetes-patch-strategy'] = strategy;
}

function groupVersionKind(declaration) {
  let apiVersion;
  let kind;
  for (const member of declaration.members) {
    if (!ts.isPropertySignature(member) || !member.type || !ts.isLiteralTypeNode(member.type)) continue;
    if (member.name.getText() === 'apiVersion') apiVersion = member.type.literal.text;
    if (member.name.getText() === 'kind') kind = member.type.literal.text;
  }
  if (!apiVersion || !kind) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  return { group, kind, version };
}

function convertInterface(ctx, declaration, definition) {
  const node = { type: 'object' };
  const description = jsDocText(declaration);
  if (description) node.description = description;
  const properties = {};
  const required = [];
  for (const member of [...declaration.members].sort((a, b) => a.name.getText().localeCompare(b.name.getText()))) {
    if (!ts.isPropertySignature(member) || !member.type) continue;
    const name = member.name.getText().replace(/^"|"$/g, '');
    const schema = withDescription(schemaOf(ctx, member.type, definition, name), jsDocText(member));
    applyListMetadata(definition, name, schema, schema.items?.$ref !== undefined);
    properties[name] = schema;
    if (!member.questionToken) required.push(name);
  }
  if (Object.keys(properties).length > 0) node.properties = properties;
  if (required.length > 0) node.required = required;
  const gvk = groupVersionKind(declaration);
  if (gvk) node['x-kubernetes-group-version-kind'] = [gvk];
  if (atomicStructs.has(shortKey(definition))) node['x-kubernetes-map-type'] = 'atomic';
  return node;
}

/** Type aliases (Quantity, Time, MicroTime) and empty interfaces (RawExtension, FieldsV1, Patch). */
function specialDefinition(definition, declaration) {
  const description = jsDocText(declaration);
  const base = description ? { description } : {};
  switch (definition) {
    case 'io.k8s.apimachinery.pkg.api.resource.Quantity': return { ...base, type: 'string' };
    case `${META}.Time`: return { ...base, type: 'string', format: 'date-time' };
    case `${META}.MicroTime`: return { ...base, type: 'string', format: 'date-time' };
    case 'io.k8s.apimachinery.pkg.runtime.RawExtension':
      return { ...base, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case `${META}.FieldsV1`: return { ...base, type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    case `${META}.Patch`: return { ...base, type: 'object' };
    default: return undefined;
  }
}

/** Hand-written: metrics.k8s.io/v1beta1 (kubectl top) and meta.k8s.io/v1 Table (kubectl get). */
function extraDefinitions() {
  const ref = (name) => ({ $ref: `#/definitions/${name}` });
  const str = (description) => ({ type: 'string', description });
  const metrics = 'io.k8s.metrics.pkg.apis.metrics.v1beta1';
  const listOf = (kind, item, group, version, description) => ({
    description, type: 'object', required: ['items'],
    properties: {
      apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
      kind: str('Kind is a string value representing the REST resource this object represents.'),
      metadata: { ...ref(`${META}.ListMeta`), description: 'Standard list metadata.' },
      items: { type: 'array', description: `List of ${item.split('.').pop()} objects.`, items: ref(item) },
    },
    'x-kubernetes-group-version-kind': [{ group, kind, version }],
  });
  const usage = {
    type: 'object', description: 'The memory and CPU usage.',
    additionalProperties: ref('io.k8s.apimachinery.pkg.api.resource.Quantity'),
  };
  const window = { ...ref(`${META}.Duration`), description: 'The length of the window the usage was averaged over.' };
  return {
    [`${META}.Duration`]: { description: 'Duration is a wrapper around time.Duration, written like "30s" or "1m0s".', type: 'string' },
    [`${metrics}.ContainerMetrics`]: {
      description: 'ContainerMetrics sets resource usage metrics of a container.', type: 'object', required: ['name', 'usage'],
      properties: { name: str('Container name corresponding to the one from pod.spec.containers.'), usage },
    },
    [`${metrics}.PodMetrics`]: {
      description: 'PodMetrics sets resource usage metrics of a pod.', type: 'object', required: ['timestamp', 'window', 'containers'],
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
        kind: str('Kind is a string value representing the REST resource this object represents.'),
        metadata: { ...ref(`${META}.ObjectMeta`), description: 'Standard object metadata.' },
        timestamp: { ...ref(`${META}.Time`), description: 'The time the usage was sampled (the end of the window).' },
        window,
        containers: {
          type: 'array', description: 'Metrics for all containers, collected within the same time window.',
          items: ref(`${metrics}.ContainerMetrics`), 'x-kubernetes-list-type': 'atomic',
        },
      },
      'x-kubernetes-group-version-kind': [{ group: 'metrics.k8s.io', kind: 'PodMetrics', version: 'v1beta1' }],
    },
    [`${metrics}.PodMetricsList`]: listOf('PodMetricsList', `${metrics}.PodMetrics`, 'metrics.k8s.io', 'v1beta1', 'PodMetricsList is a list of PodMetrics.'),
    [`${metrics}.NodeMetrics`]: {
      description: 'NodeMetrics sets resource usage metrics of a node.', type: 'object', required: ['timestamp', 'window', 'usage'],
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
        kind: str('Kind is a string value representing the REST resource this object represents.'),
        metadata: { ...ref(`${META}.ObjectMeta`), description: 'Standard object metadata.' },
        timestamp: { ...ref(`${META}.Time`), description: 'The time the usage was sampled (the end of the window).' },
        window,
        usage,
      },
      'x-kubernetes-group-version-kind': [{ group: 'metrics.k8s.io', kind: 'NodeMetrics', version: 'v1beta1' }],
    },
    [`${metrics}.NodeMetricsList`]: listOf('NodeMetricsList', `${metrics}.NodeMetrics`, 'metrics.k8s.io', 'v1beta1', 'NodeMetricsList is a list of NodeMetrics.'),
    [`${META}.TableColumnDefinition`]: {
      description: 'TableColumnDefinition contains information about a column returned in the Table.', type: 'object',
      required: ['name', 'type', 'format', 'description', 'priority'],
      properties: {
        name: str('name is a human readable name for the column.'),
        type: str('type is an OpenAPI type definition for this column: integer, number, string, boolean or date.'),
        format: str('format is an optional OpenAPI type modifier for this column, such as "name".'),
        description: str('description is a human readable description of this column.'),
        priority: { type: 'integer', format: 'int32', description: 'priority is an integer defining the relative importance of this column compared to others. Lower numbers are considered higher priority; columns with priority > 0 show only with -o wide.' },
      },
    },
    [`${META}.TableRow`]: {
      description: 'TableRow is an individual row in a table.', type: 'object', required: ['cells'],
      properties: {
        cells: { type: 'array', description: 'cells are the column values for this row, in the order of columnDefinitions.', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        conditions: { type: 'array', description: 'conditions describe additional status of a row.', items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        object: { ...ref('io.k8s.apimachinery.pkg.runtime.RawExtension'), description: 'This field contains the requested additional information about each object (PartialObjectMetadata by default).' },
      },
    },
    [`${META}.Table`]: {
      description: 'Table is a tabular representation of a set of API resources.', type: 'object', required: ['columnDefinitions', 'rows'],
      properties: {
        apiVersion: str('APIVersion defines the versioned schema of this representation of an object.'),
        kind: str('Kind is a string value representing the REST resource this object represents.'),
        metadata: { ...ref(`${META}.ListMeta`), description: 'Standard list metadata.' },
        columnDefinitions: { type: 'array', description: 'columnDefinitions describes each column in the returned items array.', items: ref(`${META}.TableColumnDefinition`) },
        rows: { type: 'array', description: 'rows is the list of items in the table.', items: ref(`${META}.TableRow`) },
      },
      'x-kubernetes-group-version-kind': [{ group: 'meta.k8s.io', kind: 'Table', version: 'v1' }],
    },
  };
}

function generate() {
  const definitions = { ...fixedDefinitions };
  for (const module of Object.keys(modules)) {
    const ctx = loadModule(module);
    for (const declaration of ctx.declarations) {
      const name = `${modules[module]}.${declaration.name.text}`;
      const special = specialDefinition(name, declaration);
      if (special) definitions[name] = special;
      else if (ts.isInterfaceDeclaration(declaration)) definitions[name] = convertInterface(ctx, declaration, name);
      else throw new Error(`unsupported type alias ${name}`);
    }
  }
  Object.assign(definitions, extraDefinitions());
  // Upstream lists these meta kinds under every group-version; one entry for the core group is enough to find them.
  definitions[`${META}.Status`]['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'Status', version: 'v1' }];
  definitions[`${META}.DeleteOptions`]['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'DeleteOptions', version: 'v1' }];
  definitions[`${META}.WatchEvent`]['x-kubernetes-group-version-kind'] = [{ group: '', kind: 'WatchEvent', version: 'v1' }];
  checkReferences(definitions);
  const sorted = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b)));
  return sorted;
}

function checkReferences(definitions) {
  const visit = (node, where) => {
    if (!node || typeof node !== 'object') return;
    if (typeof node.$ref === 'string') {
      const target = node.$ref.replace('#/definitions/', '');
      if (!definitions[target]) throw new Error(`${where}: dangling $ref ${node.$ref}`);
    }
    for (const value of Object.values(node)) visit(value, where);
  };
  for (const [name, node] of Object.entries(definitions)) visit(node, name);
}

const definitions = generate();
// One definition per line keeps diffs readable and the file small.
const body = Object.entries(definitions).map(([name, node]) => `${JSON.stringify(name)}:${JSON.stringify(node)}`).join(',\n');
writeFileSync(outFile, `{\n${body}\n}\n`);
console.log(`wrote ${Object.keys(definitions).length} definitions to ${outFile}`);
