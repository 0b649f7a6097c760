/**
 * The REST operations each served kind offers, described once and rendered into both OpenAPI v2 and v3 paths
 * (the shapes follow kube-apiserver's: operationId `createAppsV1NamespacedDeployment`, `x-kubernetes-action`,
 * `x-kubernetes-group-version-kind`, and the `fieldValidation` / `dryRun` / `fieldManager` query parameters that
 * kubectl looks for before it relies on server-side field validation).
 */
import type { ResourceKind, Subresource } from '../../api/types.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';
export type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection' | 'connect';

export interface GroupVersionKind {
  group: string;
  kind: string;
  version: string;
}

export interface QueryParameter {
  name: string;
  type: 'string' | 'integer' | 'boolean';
  description: string;
}

export interface Operation {
  method: HttpMethod;
  action: Action;
  operationId: string;
  description: string;
  gvk: GroupVersionKind;
  tag: string;
  query: QueryParameter[];
  /** Request body: a definition name (or undefined for a free-form body) and the media types accepted. */
  body?: { definition?: string; contentTypes: string[] };
  /** Response definition name; undefined means a plain string body (logs, connect). */
  response?: string;
  /** Content types of the response. */
  produces: string[];
  /** HTTP status codes answered with the response body besides 200 (201 for create, 202 for delete). */
  extraSuccessCodes: number[];
}

export interface PathItem {
  path: string;
  /** Path parameters in order of appearance ('namespace', 'name'). */
  pathParams: Array<'namespace' | 'name'>;
  operations: Operation[];
}

export const PATCH_CONTENT_TYPES = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
];
export const JSON_TYPES = ['application/json', 'application/yaml'];
const WATCH_TYPES = ['application/json', 'application/yaml', 'application/json;stream=watch'];

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
export const STATUS_DEFINITION = `${META}.Status`;
export const DELETE_OPTIONS_DEFINITION = `${META}.DeleteOptions`;
export const PATCH_DEFINITION = `${META}.Patch`;

const q = (name: string, type: QueryParameter['type'], description: string): QueryParameter => ({ name, type, description });

const DRY_RUN = q('dryRun', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed');
const FIELD_MANAGER = q('fieldManager', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes. The value must be less than or 128 characters long, and only contain printable characters.');
const FIELD_VALIDATION = q('fieldValidation', 'string', 'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore: unknown fields are silently dropped from the object. - Warn: a warning is sent for each unknown field that is dropped (the default). - Strict: the request fails with a BadRequest error listing every unknown field.');
const FORCE = q('force', 'boolean', 'Force is going to "force" Apply requests: the user re-acquires conflicting fields owned by other managers. Must be unset for non-apply patch requests.');
const LIST_PARAMS: QueryParameter[] = [
  q('allowWatchBookmarks', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK", which carry only a resourceVersion.'),
  q('continue', 'string', 'The continue option should be set when retrieving more results from the server; the value comes from the previous list response.'),
  q('fieldSelector', 'string', 'A selector to restrict the list of returned objects by their fields. Defaults to everything.'),
  q('labelSelector', 'string', 'A selector to restrict the list of returned objects by their labels. Defaults to everything.'),
  q('limit', 'integer', 'limit is a maximum number of responses to return for a list call; more results are fetched with continue.'),
  q('resourceVersion', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  q('resourceVersionMatch', 'string', 'resourceVersionMatch determines how resourceVersion is applied to list calls.'),
  q('sendInitialEvents', 'boolean', 'sendInitialEvents=true may be set together with watch=true to start the watch stream with synthetic events of the current state.'),
  q('timeoutSeconds', 'integer', 'Timeout for the list/watch call, regardless of any activity or inactivity.'),
  q('watch', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
];
const DELETE_PARAMS: QueryParameter[] = [
  DRY_RUN,
  q('gracePeriodSeconds', 'integer', 'The duration in seconds before the object should be deleted. Zero means delete immediately.'),
  q('orphanDependents', 'boolean', 'Deprecated: please use the PropagationPolicy. Should the dependent objects be orphaned.'),
  q('propagationPolicy', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
];
const LOG_PARAMS: QueryParameter[] = [
  q('container', 'string', 'The container for which to stream logs. Defaults to only container if there is one container in the pod.'),
  q('follow', 'boolean', 'Follow the log stream of the pod. Defaults to false.'),
  q('limitBytes', 'integer', 'If set, the number of bytes to read from the server before terminating the log output.'),
  q('previous', 'boolean', 'Return previous terminated container logs. Defaults to false.'),
  q('sinceSeconds', 'integer', 'A relative time in seconds before the current time from which to show logs.'),
  q('tailLines', 'integer', 'If set, the number of lines from the end of the logs to show.'),
  q('timestamps', 'boolean', 'If true, add an RFC3339 timestamp at the beginning of every line of log output. Defaults to false.'),
];
const EXEC_PARAMS: QueryParameter[] = [
  q('command', 'string', 'Command is the remote command to execute; argv array (repeat the parameter).'),
  q('container', 'string', 'Container in which to execute the command. Defaults to only container if there is only one container in the pod.'),
  q('stderr', 'boolean', 'Redirect the standard error stream of the pod for this call.'),
  q('stdin', 'boolean', 'Redirect the standard input stream of the pod for this call. Defaults to false.'),
  q('stdout', 'boolean', 'Redirect the standard output stream of the pod for this call.'),
  q('tty', 'boolean', 'TTY if true indicates that a tty will be allocated for the exec call. Defaults to false.'),
];
const PORT_FORWARD_PARAMS: QueryParameter[] = [q('ports', 'integer', 'List of ports to forward.')];

/** `apps` → `Apps`, `coordination.k8s.io` → `Coordination`, '' → `Core` (as kube-apiserver names operations). */
function groupWord(group: string): string {
  if (group === '') return 'Core';
  const first = group.split('.')[0] ?? group;
  return first.split('-').map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function groupVersionPath(group: string, version: string): string {
  return group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
}

/** Tag as kube-apiserver writes it: `core_v1`, `apps_v1`, `coordination_v1`. */
export function tagFor(group: string, version: string): string {
  return `${group === '' ? 'core' : (group.split('.')[0] ?? group).replace(/-/g, '_')}_${version}`;
}

/** Definition name of a kind's list type: io.k8s.api.apps.v1.Deployment → io.k8s.api.apps.v1.DeploymentList. */
export function listDefinitionOf(kind: ResourceKind): string {
  const dot = kind.definition.lastIndexOf('.');
  return `${kind.definition.slice(0, dot + 1)}${kind.listKind}`;
}

/** Subresource kinds that live in other groups. */
const SUBRESOURCE_KINDS: Partial<Record<Subresource, { gvk: GroupVersionKind; definition?: string }>> = {
  scale: { gvk: { group: 'autoscaling', kind: 'Scale', version: 'v1' }, definition: 'io.k8s.api.autoscaling.v1.Scale' },
  binding: { gvk: { group: '', kind: 'Binding', version: 'v1' }, definition: 'io.k8s.api.core.v1.Binding' },
  eviction: { gvk: { group: 'policy', kind: 'Eviction', version: 'v1' }, definition: 'io.k8s.api.policy.v1.Eviction' },
  exec: { gvk: { group: '', kind: 'PodExecOptions', version: 'v1' } },
  attach: { gvk: { group: '', kind: 'PodAttachOptions', version: 'v1' } },
  portforward: { gvk: { group: '', kind: 'PodPortForwardOptions', version: 'v1' } },
};

/** Every path item for one kind: collection, item, cluster-wide list (namespaced kinds) and subresources. */
export function pathsForKind(kind: ResourceKind): PathItem[] {
  const gvk: GroupVersionKind = { group: kind.group, kind: kind.kind, version: kind.version };
  const tag = tagFor(kind.group, kind.version);
  const prefix = `${groupWord(kind.group)}${capitalize(kind.version)}`;
  const scope = kind.namespaced ? 'Namespaced' : '';
  const base = groupVersionPath(kind.group, kind.version);
  const collection = kind.namespaced ? `${base}/namespaces/{namespace}/${kind.plural}` : `${base}/${kind.plural}`;
  const collectionParams: PathItem['pathParams'] = kind.namespaced ? ['namespace'] : [];
  const itemParams: PathItem['pathParams'] = [...collectionParams, 'name'];
  const verbs = new Set(kind.verbs);
  const op = (o: Omit<Operation, 'gvk' | 'tag' | 'extraSuccessCodes'> & Partial<Pick<Operation, 'gvk' | 'extraSuccessCodes'>>): Operation =>
    ({ gvk, tag, extraSuccessCodes: [], ...o });
  const writeBody = { definition: kind.definition, contentTypes: ['*/*'] };
  const patchBody = { definition: PATCH_DEFINITION, contentTypes: PATCH_CONTENT_TYPES };
  const deleteBody = { definition: DELETE_OPTIONS_DEFINITION, contentTypes: ['*/*'] };
  const items: PathItem[] = [];

  const collectionOps: Operation[] = [];
  if (verbs.has('list')) {
    collectionOps.push(op({
      method: 'get', action: 'list', operationId: `list${prefix}${scope}${kind.kind}`,
      description: `list or watch objects of kind ${kind.kind}`, query: LIST_PARAMS,
      response: listDefinitionOf(kind), produces: WATCH_TYPES,
    }));
  }
  if (verbs.has('create')) {
    collectionOps.push(op({
      method: 'post', action: 'post', operationId: `create${prefix}${scope}${kind.kind}`,
      description: `create a ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: writeBody, response: kind.definition, produces: JSON_TYPES, extraSuccessCodes: [201, 202],
    }));
  }
  if (verbs.has('deletecollection')) {
    collectionOps.push(op({
      method: 'delete', action: 'deletecollection', operationId: `delete${prefix}Collection${scope}${kind.kind}`,
      description: `delete collection of ${kind.kind}`, query: [...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'), ...DELETE_PARAMS],
      body: deleteBody, response: STATUS_DEFINITION, produces: JSON_TYPES,
    }));
  }
  if (collectionOps.length > 0) items.push({ path: collection, pathParams: collectionParams, operations: collectionOps });

  const itemOps: Operation[] = [];
  if (verbs.has('get')) {
    itemOps.push(op({
      method: 'get', action: 'get', operationId: `read${prefix}${scope}${kind.kind}`,
      description: `read the specified ${kind.kind}`, query: [], response: kind.definition, produces: JSON_TYPES,
    }));
  }
  if (verbs.has('update')) {
    itemOps.push(op({
      method: 'put', action: 'put', operationId: `replace${prefix}${scope}${kind.kind}`,
      description: `replace the specified ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
      body: writeBody, response: kind.definition, produces: JSON_TYPES, extraSuccessCodes: [201],
    }));
  }
  if (verbs.has('patch')) {
    itemOps.push(op({
      method: 'patch', action: 'patch', operationId: `patch${prefix}${scope}${kind.kind}`,
      description: `partially update the specified ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
      body: patchBody, response: kind.definition, produces: JSON_TYPES, extraSuccessCodes: [201],
    }));
  }
  if (verbs.has('delete')) {
    itemOps.push(op({
      method: 'delete', action: 'delete', operationId: `delete${prefix}${scope}${kind.kind}`,
      description: `delete a ${kind.kind}`, query: DELETE_PARAMS, body: deleteBody,
      response: kind.definition, produces: JSON_TYPES, extraSuccessCodes: [202],
    }));
  }
  if (itemOps.length > 0) items.push({ path: `${collection}/{name}`, pathParams: itemParams, operations: itemOps });

  if (kind.namespaced && verbs.has('list')) {
    items.push({
      path: `${base}/${kind.plural}`, pathParams: [],
      operations: [op({
        method: 'get', action: 'list', operationId: `list${prefix}${kind.kind}ForAllNamespaces`,
        description: `list or watch objects of kind ${kind.kind}`, query: LIST_PARAMS,
        response: listDefinitionOf(kind), produces: WATCH_TYPES,
      })],
    });
  }

  for (const sub of kind.subresources) {
    const subPath = `${collection}/{name}/${sub}`;
    const Sub = capitalize(sub === 'portforward' ? 'portForward' : sub);
    const other = SUBRESOURCE_KINDS[sub];
    switch (sub) {
      case 'status':
      case 'scale': {
        const subGvk = other?.gvk ?? gvk;
        const subDefinition = other?.definition ?? kind.definition;
        items.push({
          path: subPath, pathParams: itemParams,
          operations: [
            op({ gvk: subGvk, method: 'get', action: 'get', operationId: `read${prefix}${scope}${kind.kind}${Sub}`,
              description: `read ${sub} of the specified ${kind.kind}`, query: [], response: subDefinition, produces: JSON_TYPES }),
            op({ gvk: subGvk, method: 'put', action: 'put', operationId: `replace${prefix}${scope}${kind.kind}${Sub}`,
              description: `replace ${sub} of the specified ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
              body: { definition: subDefinition, contentTypes: ['*/*'] }, response: subDefinition, produces: JSON_TYPES, extraSuccessCodes: [201] }),
            op({ gvk: subGvk, method: 'patch', action: 'patch', operationId: `patch${prefix}${scope}${kind.kind}${Sub}`,
              description: `partially update ${sub} of the specified ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION, FORCE],
              body: patchBody, response: subDefinition, produces: JSON_TYPES, extraSuccessCodes: [201] }),
          ],
        });
        break;
      }
      case 'binding':
      case 'eviction': {
        const target = other!;
        items.push({
          path: subPath, pathParams: itemParams,
          operations: [op({ gvk: target.gvk, method: 'post', action: 'post', operationId: `create${prefix}${scope}${kind.kind}${Sub}`,
            description: `create ${sub} of a ${kind.kind}`, query: [DRY_RUN, FIELD_MANAGER, FIELD_VALIDATION],
            body: { definition: target.definition, contentTypes: ['*/*'] }, response: target.definition, produces: JSON_TYPES,
            extraSuccessCodes: [201, 202] })],
        });
        break;
      }
      case 'log':
        items.push({
          path: subPath, pathParams: itemParams,
          operations: [op({ method: 'get', action: 'get', operationId: `read${prefix}${scope}${kind.kind}Log`,
            description: `read log of the specified ${kind.kind}`, query: LOG_PARAMS, produces: ['text/plain', 'application/json', 'application/yaml'] })],
        });
        break;
      case 'exec':
      case 'attach':
      case 'portforward': {
        const target = other!;
        const query = sub === 'portforward' ? PORT_FORWARD_PARAMS : sub === 'exec' ? EXEC_PARAMS : EXEC_PARAMS.filter((p) => p.name !== 'command');
        items.push({
          path: subPath, pathParams: itemParams,
          operations: (['get', 'post'] as const).map((method) => op({
            gvk: target.gvk, method, action: 'connect',
            operationId: `connect${capitalize(method)}${prefix}${scope}${kind.kind}${Sub}`,
            description: `connect ${method.toUpperCase()} requests to ${sub} of ${kind.kind}`, query, produces: ['*/*'],
          })),
        });
        break;
      }
      default:
        break; // proxy: not described
    }
  }
  return items;
}

/** Names of the definitions the operations of `kinds` refer to directly (kinds, lists, bodies, Status). */
export function rootDefinitions(kinds: readonly ResourceKind[]): string[] {
  const names = new Set<string>([STATUS_DEFINITION, DELETE_OPTIONS_DEFINITION, PATCH_DEFINITION, `${META}.WatchEvent`]);
  for (const kind of kinds) {
    for (const item of pathsForKind(kind)) {
      for (const operation of item.operations) {
        if (operation.body?.definition) names.add(operation.body.definition);
        if (operation.response) names.add(operation.response);
      }
    }
    names.add(kind.definition);
  }
  return [...names];
}
