/**
 * core/v1 Event and events.k8s.io/v1 Event. Upstream both are views of one stored object; `eventsV1ToCore` and
 * `coreToEventsV1` convert between them for an API server that wants to share storage.
 */
import type { Event as CoreEvent } from 'kubernetes-types/core/v1.js';
import type { Event as EventV1 } from 'kubernetes-types/events/v1.js';
import type { StatusCause } from '../errors.js';
import type { ResourceKind, TableColumn } from '../types.js';
import { age } from '../printers/age.js';
import { column, nameColumn } from '../printers/format.js';
import { fieldErrors, invalidEach } from '../validation/field-errors.js';
import { isQualifiedName } from '../validation/names.js';
import { defineKind, typed } from './define.js';

const eventTypes = ['Normal', 'Warning'];

export function eventsV1ToCore(e: EventV1): CoreEvent {
  const core: CoreEvent = {
    apiVersion: 'v1', kind: 'Event', metadata: e.metadata ?? {},
    involvedObject: e.regarding ?? {},
    related: e.related,
    reason: e.reason,
    message: e.note,
    type: e.type,
    action: e.action,
    eventTime: e.eventTime,
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
    source: e.deprecatedSource,
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    count: e.deprecatedCount,
  };
  if (e.series) core.series = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  return core;
}

export function coreToEventsV1(e: CoreEvent): EventV1 {
  const v1: EventV1 = {
    apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: e.metadata ?? {},
    eventTime: e.eventTime as string,
    regarding: e.involvedObject,
    related: e.related,
    reason: e.reason,
    note: e.message,
    type: e.type,
    action: e.action,
    reportingController: e.reportingComponent,
    reportingInstance: e.reportingInstance,
    deprecatedSource: e.source,
    deprecatedFirstTimestamp: e.firstTimestamp,
    deprecatedLastTimestamp: e.lastTimestamp,
    deprecatedCount: e.count,
  };
  if (e.series?.count !== undefined && e.series.lastObservedTime) v1.series = { count: e.series.count, lastObservedTime: e.series.lastObservedTime };
  return v1;
}

/** legacyValidateEvent: old-style events only need a namespace that matches the object's; new-style need more. */
export function validateCoreEvent(e: CoreEvent): StatusCause[] {
  const causes: StatusCause[] = [];
  const ns = e.metadata?.namespace ?? '';
  const objectNs = e.involvedObject?.namespace ?? '';
  if (!e.eventTime) {
    if (!objectNs ? ns !== '' && ns !== 'default' : ns !== objectNs) {
      causes.push(fieldErrors.invalid('involvedObject.namespace', objectNs, 'does not match event.namespace'));
    }
  } else {
    if (!objectNs && ns !== 'default' && ns !== 'kube-system') {
      causes.push(fieldErrors.invalid('involvedObject.namespace', objectNs, 'does not match event.namespace'));
    }
    if (!e.reportingComponent) causes.push(fieldErrors.required('reportingComponent'));
    else causes.push(...invalidEach('reportingComponent', e.reportingComponent, isQualifiedName(e.reportingComponent)));
    if (!e.reportingInstance) causes.push(fieldErrors.required('reportingInstance'));
    if (!e.action) causes.push(fieldErrors.required('action'));
    if (!e.reason) causes.push(fieldErrors.required('reason'));
  }
  if (e.type && !eventTypes.includes(e.type) && e.eventTime) causes.push(fieldErrors.notSupported('type', e.type, eventTypes));
  return causes;
}

/** ValidateEventCreate for events.k8s.io/v1: every field a modern recorder sets is required. */
export function validateEventV1(e: EventV1): StatusCause[] {
  const causes: StatusCause[] = [];
  const ns = e.metadata?.namespace ?? '';
  const objectNs = e.regarding?.namespace ?? '';
  if (!e.eventTime) causes.push(fieldErrors.required('eventTime'));
  if (objectNs && objectNs !== ns) causes.push(fieldErrors.invalid('regarding.namespace', objectNs, 'does not match event.namespace'));
  if (!objectNs && ns !== 'default' && ns !== 'kube-system') causes.push(fieldErrors.invalid('regarding.namespace', objectNs, 'does not match event.namespace'));
  if (!e.reportingController) causes.push(fieldErrors.required('reportingController'));
  else causes.push(...invalidEach('reportingController', e.reportingController, isQualifiedName(e.reportingController)));
  if (!e.reportingInstance) causes.push(fieldErrors.required('reportingInstance'));
  if (!e.action) causes.push(fieldErrors.required('action'));
  if (!e.reason) causes.push(fieldErrors.required('reason'));
  if (!e.type) causes.push(fieldErrors.required('type'));
  else if (!eventTypes.includes(e.type)) causes.push(fieldErrors.notSupported('type', e.type, eventTypes));
  if ((e.note ?? '').length > 1024) causes.push(fieldErrors.tooLong('note', 1024));
  return causes;
}

/** LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT*, SOURCE*, MESSAGE, FIRST SEEN*, COUNT*, NAME* (* = wide). */
export const eventColumns: TableColumn[] = [
  column('Last Seen', 'string', 'The time at which the most recent occurrence of this event was recorded.'),
  column('Type', 'string', 'Type of this event (Normal, Warning), new types could be added in the future'),
  column('Reason', 'string', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
  column('Object', 'string', 'The object that this event is about.'),
  column('Subobject', 'string', 'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.', 1),
  column('Source', 'string', 'The component reporting this event. Should be a short machine understandable string.', 1),
  column('Message', 'string', 'A human-readable description of the status of this operation.'),
  column('First Seen', 'string', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
  column('Count', 'string', 'The number of times this event has occurred.', 1),
  { ...nameColumn, priority: 1 },
];

export function coreEventCells(e: CoreEvent, now: Date): unknown[] {
  let first = age(e.firstTimestamp, now);
  if (!e.firstTimestamp) first = age(e.eventTime, now);
  let last = e.lastTimestamp ? age(e.lastTimestamp, now) : first;
  let count = e.count ?? 0;
  if (e.series) {
    last = age(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const target = e.involvedObject?.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source?.component || e.reportingComponent || '';
  const instance = e.source?.host || e.reportingInstance || '';
  const source = instance ? `${component}, ${instance}` : component;
  return [last, e.type ?? '', e.reason ?? '', target, e.involvedObject?.fieldPath ?? '', source, (e.message ?? '').trim(), first, count, e.metadata?.name ?? ''];
}

function involved(e: CoreEvent, key: keyof NonNullable<CoreEvent['involvedObject']>): string {
  return String(e.involvedObject?.[key] ?? '');
}

export const coreEventKind: ResourceKind = defineKind<CoreEvent>({
  group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true,
  definition: 'io.k8s.api.core.v1.Event',
  shortNames: ['ev'],
  validate: validateCoreEvent,
  fullTable: { columns: eventColumns, cells: (obj, now) => coreEventCells(typed<CoreEvent>(obj), now) },
  fieldSelectors: {
    'involvedObject.kind': (e) => involved(e, 'kind'),
    'involvedObject.namespace': (e) => involved(e, 'namespace'),
    'involvedObject.name': (e) => involved(e, 'name'),
    'involvedObject.uid': (e) => involved(e, 'uid'),
    'involvedObject.apiVersion': (e) => involved(e, 'apiVersion'),
    'involvedObject.resourceVersion': (e) => involved(e, 'resourceVersion'),
    'involvedObject.fieldPath': (e) => involved(e, 'fieldPath'),
    reason: (e) => e.reason ?? '',
    reportingComponent: (e) => e.reportingComponent ?? '',
    source: (e) => e.source?.component || e.reportingComponent || '',
    type: (e) => e.type ?? '',
  },
});

function regarding(e: EventV1, key: keyof NonNullable<EventV1['regarding']>): string {
  return String(e.regarding?.[key] ?? '');
}

export const eventV1Kind: ResourceKind = defineKind<EventV1>({
  group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true,
  definition: 'io.k8s.api.events.v1.Event',
  shortNames: ['ev'],
  validate: validateEventV1,
  fullTable: { columns: eventColumns, cells: (obj, now) => coreEventCells(eventsV1ToCore(typed<EventV1>(obj)), now) },
  fieldSelectors: {
    'regarding.kind': (e) => regarding(e, 'kind'),
    'regarding.namespace': (e) => regarding(e, 'namespace'),
    'regarding.name': (e) => regarding(e, 'name'),
    'regarding.uid': (e) => regarding(e, 'uid'),
    'regarding.apiVersion': (e) => regarding(e, 'apiVersion'),
    'regarding.resourceVersion': (e) => regarding(e, 'resourceVersion'),
    'regarding.fieldPath': (e) => regarding(e, 'fieldPath'),
    reason: (e) => e.reason ?? '',
    reportingController: (e) => e.reportingController ?? '',
    type: (e) => e.type ?? '',
  },
});
