// OTLP/HTTP JSON decoding for the dev receiver: ExportTraceServiceRequest,
// ExportMetricsServiceRequest and ExportLogsServiceRequest documents to plain objects, with a precise reason when the input
// is not valid OTLP JSON (the receiver answers 400 with it).
//
// Follows the OTLP/HTTP JSON encoding: lowerCamelCase keys, hex trace/span ids, 64-bit integers
// as decimal strings (numbers accepted too), enums as integers, AnyValue objects for attributes.

export class OtlpError extends Error {
  name = "OtlpError";
}

const fail = (path, message) => {
  throw new OtlpError(`${path}: ${message}`);
};

const isObj = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const HEX32 = /^[0-9a-fA-F]{32}$/;
const HEX16 = /^[0-9a-fA-F]{16}$/;

function list(v, path) {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(path, `must be an array, got ${typeof v}`);
  return v;
}

function id(v, path, re, optional) {
  if (v === undefined || v === null || v === "") {
    if (optional) return undefined;
    fail(path, "is required");
  }
  if (typeof v !== "string" || !re.test(v)) {
    fail(path, `must be ${re === HEX32 ? 32 : 16} hex characters, got ${JSON.stringify(v)}`);
  }
  if (/^0+$/.test(v)) {
    if (optional) return undefined;
    fail(path, "must not be all zeros");
  }
  return v.toLowerCase();
}

/** uint64 nanoseconds: decimal string (the JSON encoding) or a non-negative integer. */
function nanos(v, path, optional = false) {
  if (v === undefined || v === null) {
    if (optional) return undefined;
    fail(path, "is required");
  }
  if (typeof v === "string" && /^\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) return BigInt(v);
  return fail(path, `must be a uint64 as a decimal string, got ${JSON.stringify(v)}`);
}

function int(v, path) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return Number(v);
  if (typeof v === "number" && Number.isInteger(v)) return v;
  return fail(path, `must be an integer, got ${JSON.stringify(v)}`);
}

function dbl(v, path) {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "number") return v;
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  return fail(path, `must be a number, got ${JSON.stringify(v)}`);
}

function enumValue(v, path, max) {
  if (v === undefined || v === null) return 0;
  if (Number.isInteger(v) && v >= 0 && v <= max) return v;
  return fail(path, `must be an integer enum 0..${max}, got ${JSON.stringify(v)}`);
}

/** AnyValue → JS value (bytes stay base64 text). */
export function anyValue(v, path = "value") {
  if (v === undefined || v === null) return null;
  if (!isObj(v)) fail(path, `AnyValue must be an object, got ${JSON.stringify(v)}`);
  if ("stringValue" in v) {
    if (typeof v.stringValue !== "string") fail(`${path}.stringValue`, "must be a string");
    return v.stringValue;
  }
  if ("boolValue" in v) {
    if (typeof v.boolValue !== "boolean") fail(`${path}.boolValue`, "must be a boolean");
    return v.boolValue;
  }
  if ("intValue" in v) return int(v.intValue, `${path}.intValue`);
  if ("doubleValue" in v) return dbl(v.doubleValue, `${path}.doubleValue`);
  if ("arrayValue" in v) {
    const values = isObj(v.arrayValue) ? v.arrayValue.values : undefined;
    return list(values, `${path}.arrayValue.values`).map((x, i) => anyValue(x, `${path}.arrayValue.values[${i}]`));
  }
  if ("kvlistValue" in v) return keyValues(isObj(v.kvlistValue) ? v.kvlistValue.values : undefined, `${path}.kvlistValue.values`);
  if ("bytesValue" in v) return String(v.bytesValue);
  const keys = Object.keys(v);
  if (keys.length === 0) return null;
  return fail(path, `unknown AnyValue field(s) ${keys.join(", ")}`);
}

/** `[{key, value}]` → `{key: value}`. */
export function keyValues(v, path = "attributes") {
  const out = {};
  list(v, path).forEach((kv, i) => {
    if (!isObj(kv) || typeof kv.key !== "string") fail(`${path}[${i}]`, "must be {key: string, value: AnyValue}");
    out[kv.key] = anyValue(kv.value, `${path}[${i}].value(${kv.key})`);
  });
  return out;
}

function document(body) {
  if (!isObj(body)) fail("$", `the body must be a JSON object, got ${Array.isArray(body) ? "an array" : typeof body}`);
  return body;
}

/**
 * ExportTraceServiceRequest → spans:
 * `{traceId, spanId, parentSpanId?, name, kind, startNs: bigint, endNs: bigint, attributes,
 *   status: {code, message?}, events: [{name, timeNs, attributes}], resource, scope}`.
 */
export function decodeTraces(body) {
  const doc = document(body);
  const spans = [];
  list(doc.resourceSpans, "resourceSpans").forEach((rs, ri) => {
    const rp = `resourceSpans[${ri}]`;
    if (!isObj(rs)) fail(rp, "must be an object");
    const resource = keyValues(rs.resource?.attributes, `${rp}.resource.attributes`);
    list(rs.scopeSpans, `${rp}.scopeSpans`).forEach((ss, si) => {
      const sp = `${rp}.scopeSpans[${si}]`;
      if (!isObj(ss)) fail(sp, "must be an object");
      const scope = { name: typeof ss.scope?.name === "string" ? ss.scope.name : "", version: ss.scope?.version };
      list(ss.spans, `${sp}.spans`).forEach((s, i) => {
        const p = `${sp}.spans[${i}]`;
        if (!isObj(s)) fail(p, "must be an object");
        if (s.name !== undefined && typeof s.name !== "string") fail(`${p}.name`, "must be a string");
        const traceId = id(s.traceId, `${p}.traceId`, HEX32, false);
        const spanId = id(s.spanId, `${p}.spanId`, HEX16, false);
        const parentSpanId = id(s.parentSpanId, `${p}.parentSpanId`, HEX16, true);
        const startNs = nanos(s.startTimeUnixNano, `${p}.startTimeUnixNano`);
        const endNs = nanos(s.endTimeUnixNano, `${p}.endTimeUnixNano`);
        const status = isObj(s.status) ? s.status : {};
        spans.push({
          traceId,
          spanId,
          parentSpanId,
          name: s.name ?? "",
          kind: enumValue(s.kind, `${p}.kind`, 5),
          startNs,
          endNs: endNs < startNs ? startNs : endNs,
          attributes: keyValues(s.attributes, `${p}.attributes`),
          status: { code: enumValue(status.code, `${p}.status.code`, 2), message: typeof status.message === "string" ? status.message : undefined },
          events: list(s.events, `${p}.events`).map((e, ei) => ({
            name: typeof e?.name === "string" ? e.name : "",
            timeNs: nanos(e?.timeUnixNano, `${p}.events[${ei}].timeUnixNano`, true) ?? startNs,
            attributes: keyValues(e?.attributes, `${p}.events[${ei}].attributes`),
          })),
          resource,
          scope,
        });
      });
    });
  });
  return spans;
}

const METRIC_TYPES = ["histogram", "sum", "gauge", "exponentialHistogram", "summary"];

/**
 * ExportMetricsServiceRequest → metrics:
 * `{name, unit, description, type, temporality?, points: [{attributes, startNs?, timeNs, value?
 *   | count, sum?, min?, max?, bucketCounts?, explicitBounds?}], resource, scope}`.
 */
export function decodeMetrics(body) {
  const doc = document(body);
  const metrics = [];
  list(doc.resourceMetrics, "resourceMetrics").forEach((rm, ri) => {
    const rp = `resourceMetrics[${ri}]`;
    if (!isObj(rm)) fail(rp, "must be an object");
    const resource = keyValues(rm.resource?.attributes, `${rp}.resource.attributes`);
    list(rm.scopeMetrics, `${rp}.scopeMetrics`).forEach((sm, si) => {
      const sp = `${rp}.scopeMetrics[${si}]`;
      if (!isObj(sm)) fail(sp, "must be an object");
      const scope = { name: typeof sm.scope?.name === "string" ? sm.scope.name : "", version: sm.scope?.version };
      list(sm.metrics, `${sp}.metrics`).forEach((m, mi) => {
        const p = `${sp}.metrics[${mi}]`;
        if (!isObj(m)) fail(p, "must be an object");
        if (typeof m.name !== "string" || m.name === "") fail(`${p}.name`, "is required");
        const types = METRIC_TYPES.filter((t) => isObj(m[t]));
        if (types.length !== 1) fail(p, `must have exactly one of ${METRIC_TYPES.join("/")}, has ${types.join(", ") || "none"}`);
        const type = types[0];
        const data = m[type];
        const points = list(data.dataPoints, `${p}.${type}.dataPoints`).map((q, qi) => {
          const pp = `${p}.${type}.dataPoints[${qi}]`;
          if (!isObj(q)) fail(pp, "must be an object");
          const point = {
            attributes: keyValues(q.attributes, `${pp}.attributes`),
            startNs: nanos(q.startTimeUnixNano, `${pp}.startTimeUnixNano`, true),
            timeNs: nanos(q.timeUnixNano, `${pp}.timeUnixNano`, true) ?? 0n,
          };
          if (type === "sum" || type === "gauge") {
            point.value = q.asInt !== undefined ? int(q.asInt, `${pp}.asInt`) : (dbl(q.asDouble, `${pp}.asDouble`) ?? 0);
          } else {
            point.count = int(q.count, `${pp}.count`) ?? 0;
            point.sum = dbl(q.sum, `${pp}.sum`);
            if (type === "histogram") {
              point.min = dbl(q.min, `${pp}.min`);
              point.max = dbl(q.max, `${pp}.max`);
              point.bucketCounts = list(q.bucketCounts, `${pp}.bucketCounts`).map((c, ci) => int(c, `${pp}.bucketCounts[${ci}]`) ?? 0);
              point.explicitBounds = list(q.explicitBounds, `${pp}.explicitBounds`).map((b, bi) => dbl(b, `${pp}.explicitBounds[${bi}]`) ?? 0);
              if (point.bucketCounts.length > 0 && point.bucketCounts.length !== point.explicitBounds.length + 1) {
                fail(pp, `bucketCounts must have explicitBounds.length + 1 entries (${point.bucketCounts.length} vs ${point.explicitBounds.length})`);
              }
            }
          }
          return point;
        });
        metrics.push({
          name: m.name,
          unit: typeof m.unit === "string" ? m.unit : "",
          description: typeof m.description === "string" ? m.description : "",
          type,
          temporality: type === "gauge" || type === "summary" ? undefined : enumValue(data.aggregationTemporality, `${p}.${type}.aggregationTemporality`, 2),
          points,
          resource,
          scope,
        });
      });
    });
  });
  return metrics;
}

/**
 * ExportLogsServiceRequest → log records:
 * `{traceId?, spanId?, eventName, timeNs, severityNumber, severityText?, body, attributes, resource, scope}`.
 * Attribute values may be structured (the GenAI events carry messages as maps and arrays).
 */
export function decodeLogs(body) {
  const doc = document(body);
  const records = [];
  list(doc.resourceLogs, "resourceLogs").forEach((rl, ri) => {
    const rp = `resourceLogs[${ri}]`;
    if (!isObj(rl)) fail(rp, "must be an object");
    const resource = keyValues(rl.resource?.attributes, `${rp}.resource.attributes`);
    list(rl.scopeLogs, `${rp}.scopeLogs`).forEach((sl, si) => {
      const sp = `${rp}.scopeLogs[${si}]`;
      if (!isObj(sl)) fail(sp, "must be an object");
      const scope = { name: typeof sl.scope?.name === "string" ? sl.scope.name : "", version: sl.scope?.version };
      list(sl.logRecords, `${sp}.logRecords`).forEach((r, i) => {
        const p = `${sp}.logRecords[${i}]`;
        if (!isObj(r)) fail(p, "must be an object");
        if (r.eventName !== undefined && typeof r.eventName !== "string") fail(`${p}.eventName`, "must be a string");
        records.push({
          traceId: id(r.traceId, `${p}.traceId`, HEX32, true),
          spanId: id(r.spanId, `${p}.spanId`, HEX16, true),
          eventName: r.eventName ?? "",
          timeNs: nanos(r.timeUnixNano, `${p}.timeUnixNano`, true) ?? nanos(r.observedTimeUnixNano, `${p}.observedTimeUnixNano`, true) ?? 0n,
          severityNumber: enumValue(r.severityNumber, `${p}.severityNumber`, 24),
          severityText: typeof r.severityText === "string" ? r.severityText : undefined,
          body: anyValue(r.body, `${p}.body`),
          attributes: keyValues(r.attributes, `${p}.attributes`),
          resource,
          scope,
        });
      });
    });
  });
  return records;
}
