/** The shape of k8s-messages.json: protobuf message name (".k8s.io.api.core.v1.Pod") → its fields. */

/** [number, json name, descriptor type, label (3 = repeated), type name for messages]. */
export type FieldInfo = [number, string, number, number] | [number, string, number, number, string];

export interface MessageInfo {
  fields: FieldInfo[];
  /** A map<K,V> entry (key = field 1, value = field 2). */
  map?: true;
}

export type MessageTable = Record<string, MessageInfo>;
