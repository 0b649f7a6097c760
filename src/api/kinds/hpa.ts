/** autoscaling/v2 HorizontalPodAutoscaler. */
import type { HorizontalPodAutoscaler, HPAScalingRules, MetricSpec, MetricStatus, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import type { StatusCause } from '../errors.js';
import { tryParseQuantity } from '../quantity.js';
import { age } from '../printers/age.js';
import { column } from '../printers/format.js';
import { fieldErrors } from '../validation/field-errors.js';
import { defineKind } from './define.js';

export const DEFAULT_CPU_UTILIZATION = 80;

function defaultScalingRules(rules: HPAScalingRules | undefined, scaleUp: boolean): HPAScalingRules {
  const r = rules ?? {};
  // Scale-down leaves the window unset: the autoscaler then uses its downscale stabilization (300 s).
  if (scaleUp) r.stabilizationWindowSeconds ??= 0;
  r.selectPolicy ||= 'Max';
  r.policies ??= scaleUp
    ? [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }]
    : [{ type: 'Percent', value: 100, periodSeconds: 15 }];
  return r;
}

export function defaultHpa(hpa: HorizontalPodAutoscaler): void {
  hpa.spec ??= { maxReplicas: 0, scaleTargetRef: { kind: '', name: '' } };
  const spec = hpa.spec;
  spec.minReplicas ??= 1;
  if (!spec.metrics || spec.metrics.length === 0) {
    spec.metrics = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  }
  if (spec.behavior) {
    spec.behavior.scaleUp = defaultScalingRules(spec.behavior.scaleUp, true);
    spec.behavior.scaleDown = defaultScalingRules(spec.behavior.scaleDown, false);
  }
}

const metricTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
const targetTypes = ['AverageValue', 'Utilization', 'Value'];

function validateTarget(target: MetricTarget | undefined, field: string): StatusCause[] {
  if (!target) return [fieldErrors.required(field)];
  const causes: StatusCause[] = [];
  if (!targetTypes.includes(target.type)) causes.push(fieldErrors.notSupported(`${field}.type`, target.type, targetTypes));
  if (target.type === 'Utilization' && !(target.averageUtilization! > 0)) {
    causes.push(target.averageUtilization === undefined
      ? fieldErrors.required(`${field}.averageUtilization`, 'must set either a target raw value or a target utilization')
      : fieldErrors.invalid(`${field}.averageUtilization`, target.averageUtilization, 'must be greater than 0'));
  }
  for (const key of ['value', 'averageValue'] as const) {
    const raw = target[key];
    if (raw === undefined) continue;
    const q = tryParseQuantity(raw);
    if (!q || q.nano <= 0n) causes.push(fieldErrors.invalid(`${field}.${key}`, raw, 'must be positive'));
  }
  return causes;
}

function validateMetric(metric: MetricSpec, field: string): StatusCause[] {
  if (!metricTypes.includes(metric.type)) return [fieldErrors.notSupported(`${field}.type`, metric.type, metricTypes)];
  switch (metric.type) {
    case 'Resource':
      if (!metric.resource) return [fieldErrors.required(`${field}.resource`, 'must populate information for the given metric source')];
      return [...(!metric.resource.name ? [fieldErrors.required(`${field}.resource.name`)] : []), ...validateTarget(metric.resource.target, `${field}.resource.target`)];
    case 'ContainerResource':
      if (!metric.containerResource) return [fieldErrors.required(`${field}.containerResource`, 'must populate information for the given metric source')];
      return validateTarget(metric.containerResource.target, `${field}.containerResource.target`);
    case 'Pods':
      if (!metric.pods) return [fieldErrors.required(`${field}.pods`, 'must populate information for the given metric source')];
      return validateTarget(metric.pods.target, `${field}.pods.target`);
    case 'Object':
      if (!metric.object) return [fieldErrors.required(`${field}.object`, 'must populate information for the given metric source')];
      return validateTarget(metric.object.target, `${field}.object.target`);
    default:
      if (!metric.external) return [fieldErrors.required(`${field}.external`, 'must populate information for the given metric source')];
      return validateTarget(metric.external.target, `${field}.external.target`);
  }
}

export function validateHpa(hpa: HorizontalPodAutoscaler): StatusCause[] {
  const spec = hpa.spec;
  if (!spec) return [fieldErrors.required('spec')];
  const causes: StatusCause[] = [];
  if (!spec.scaleTargetRef?.kind) causes.push(fieldErrors.required('spec.scaleTargetRef.kind'));
  if (!spec.scaleTargetRef?.name) causes.push(fieldErrors.required('spec.scaleTargetRef.name'));
  if (spec.minReplicas !== undefined && spec.minReplicas < 1) {
    causes.push(fieldErrors.invalid('spec.minReplicas', spec.minReplicas, 'must be greater than or equal to 1'));
  }
  if (!(spec.maxReplicas >= 1)) causes.push(fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than 0'));
  else if (spec.minReplicas !== undefined && spec.maxReplicas < spec.minReplicas) {
    causes.push(fieldErrors.invalid('spec.maxReplicas', spec.maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  (spec.metrics ?? []).forEach((m, i) => causes.push(...validateMetric(m, `spec.metrics[${i}]`)));
  for (const direction of ['scaleUp', 'scaleDown'] as const) {
    const rules = spec.behavior?.[direction];
    if (!rules) continue;
    const path = `spec.behavior.${direction}`;
    const window = rules.stabilizationWindowSeconds;
    if (window !== undefined && (window < 0 || window > 3600)) causes.push(fieldErrors.invalid(`${path}.stabilizationWindowSeconds`, window, 'must be less than or equal to 3600'));
    (rules.policies ?? []).forEach((p, i) => {
      if (!(p.value > 0)) causes.push(fieldErrors.invalid(`${path}.policies[${i}].value`, p.value, 'must be greater than zero'));
      if (!(p.periodSeconds > 0) || p.periodSeconds > 1800) causes.push(fieldErrors.invalid(`${path}.policies[${i}].periodSeconds`, p.periodSeconds, 'must be greater than zero and less than or equal to 1800'));
    });
  }
  return causes;
}

function quantityText(value: string | number | undefined): string {
  const q = tryParseQuantity(value);
  return q ? q.toString() : String(value ?? '');
}

/** TARGETS as kubectl prints it: "cpu: 45%/80%", "<unknown>/500m", "+ N more...". */
export function formatHpaMetrics(specs: MetricSpec[] | undefined, statuses: MetricStatus[] | undefined): string {
  if (!specs || specs.length === 0) return '<none>';
  const list: string[] = [];
  specs.forEach((spec, i) => {
    const status = statuses?.[i];
    const unknown = '<unknown>';
    switch (spec.type) {
      case 'External': {
        const target = spec.external?.target;
        if (target?.averageValue !== undefined) {
          const current = status?.external?.current.averageValue !== undefined ? quantityText(status.external.current.averageValue) : unknown;
          list.push(`${current}/${quantityText(target.averageValue)} (avg)`);
        } else {
          const current = status?.external ? quantityText(status.external.current.value) : unknown;
          list.push(`${current}/${quantityText(target?.value)}`);
        }
        break;
      }
      case 'Pods': {
        const current = status?.pods ? quantityText(status.pods.current.averageValue) : unknown;
        list.push(`${current}/${quantityText(spec.pods?.target.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = spec.object?.target;
        if (target?.averageValue !== undefined) {
          const current = status?.object?.current.averageValue !== undefined ? quantityText(status.object.current.averageValue) : unknown;
          list.push(`${current}/${quantityText(target.averageValue)} (avg)`);
        } else {
          const current = status?.object ? quantityText(status.object.current.value) : unknown;
          list.push(`${current}/${quantityText(target?.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
        const current = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
        const hasStatus = spec.type === 'Resource' ? !!status?.resource : !!status?.containerResource;
        const name = source?.name ?? '';
        if (source?.target.averageValue !== undefined) {
          list.push(`${name}: ${hasStatus ? quantityText(current?.averageValue) : unknown}/${quantityText(source.target.averageValue)}`);
        } else {
          const cur = hasStatus && current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : unknown;
          const target = source?.target.averageUtilization !== undefined ? `${source.target.averageUtilization}%` : '<auto>';
          list.push(`${name}: ${cur}/${target}`);
        }
        break;
      }
      default:
        list.push('<unknown type>');
    }
  });
  const max = 2;
  if (list.length > max) return `${list.slice(0, max).join(', ')} + ${list.length - max} more...`;
  return list.join(', ');
}

export const hpaKind = defineKind<HorizontalPodAutoscaler>({
  group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true,
  definition: 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  shortNames: ['hpa'], categories: ['all'],
  subresources: ['status'],
  tracksGeneration: true,
  defaults: defaultHpa,
  validate: validateHpa,
  columns: [
    column('Reference', 'string', 'scaleTargetRef points to the target resource to scale, and is used to the pods for which metrics should be collected, as well as to actually change the replica count.'),
    column('Targets', 'string', 'metrics contains the specifications for which to use to calculate the desired replica count.'),
    column('MinPods', 'string', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.'),
    column('MaxPods', 'string', 'maxReplicas is the upper limit for the number of replicas to which the autoscaler can scale up.'),
    column('Replicas', 'string', 'currentReplicas is current number of replicas of pods managed by this autoscaler.'),
    column('Age', 'string', 'CreationTimestamp is a timestamp representing the server time when this object was created.'),
  ],
  cells(hpa, now) {
    const spec = hpa.spec;
    const reference = `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`;
    const minPods = spec?.minReplicas !== undefined ? String(spec.minReplicas) : '<unset>';
    return [reference, formatHpaMetrics(spec?.metrics, hpa.status?.currentMetrics), minPods, spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0, age(hpa.metadata?.creationTimestamp, now)];
  },
});
