/** Pods start Pending; a pod's spec.nodeName is set through pods/binding or at create time only. */
import type { AdmissionHook } from '../context.js';
import { isObject } from '../../api/object.js';

export function podAdmission(): AdmissionHook {
  return {
    beforeCreate(kind, obj) {
      if (kind.group !== '' || kind.kind !== 'Pod') return;
      const status = isObject(obj['status']) ? obj['status'] : {};
      status['phase'] = 'Pending';
      obj['status'] = status;
    },
  };
}
