import type { KubeObject } from './object.js';
import type { StatusCause } from './errors.js';

/** Subresources a kind can serve beside its main resource. */
export type Subresource = 'status' | 'scale' | 'binding' | 'log' | 'exec' | 'attach' | 'portforward' | 'proxy' | 'eviction';

/** A column of `kubectl get` output (meta.k8s.io/v1 TableColumnDefinition). priority > 0 shows only with -o wide. */
export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: 'name' | '';
  description: string;
  priority: number;
}

/**
 * Everything the API server knows about one kind, described once. The OpenAPI schema named by `definition`
 * (generated from the upstream Kubernetes types, see src/api/schema/) gives structure, validation and docs;
 * this record adds the REST shape and the server-side behaviour.
 */
export interface ResourceKind {
  group: string;               // '' for the core group
  version: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];        // ['all'] puts it in `kubectl get all`
  verbs: string[];             // discovery verbs for the main resource
  subresources: Subresource[];
  /** OpenAPI definition name, e.g. 'io.k8s.api.apps.v1.Deployment'. */
  definition: string;
  /** Writes to the main resource keep the stored status; writes to /status keep everything but status. */
  hasStatusSubresource: boolean;
  /** metadata.generation rises on changes outside metadata and status. */
  tracksGeneration: boolean;
  /** Fill server-side defaults in place (called on create and update, after schema validation). */
  applyDefaults(obj: KubeObject): void;
  /** Semantic validation beyond the schema (names, required values, ranges). `old` is set on update. */
  validate(obj: KubeObject, old?: KubeObject): StatusCause[];
  /** Table format for `kubectl get`. */
  table: { columns: TableColumn[]; cells(obj: KubeObject, now: Date): unknown[] };
  /** Field selectors supported beyond metadata.name / metadata.namespace. */
  fieldSelectors: Record<string, (obj: KubeObject) => string | undefined>;
  /**
   * Set when this kind is another version of a kind stored elsewhere (autoscaling/v1 HorizontalPodAutoscaler is
   * stored as autoscaling/v2): objects live under the storage kind's keys and are converted on every read and write.
   */
  storage?: StorageConversion;
}

/** How a served version converts to and from its storage version. Both functions return new objects. */
export interface StorageConversion {
  /** The kind whose version is stored; its defaults, validation and admission apply to every write. */
  kind: ResourceKind;
  toStorage(obj: KubeObject): KubeObject;
  fromStorage(obj: KubeObject): KubeObject;
}
