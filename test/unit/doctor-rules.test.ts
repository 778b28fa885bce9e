import { describe, expect, it } from 'vitest';
import { errorOutputType, staticHead, timestampPrefixes } from '../../src/core/doctor/firehose.js';
import { buildDoctorReport, doctorOutcome } from '../../src/core/doctor/report.js';
import { includedTables } from '../../src/core/doctor/dms.js';
import { parsePipeline } from '../../src/core/pipeline-schema.js';
import type { Finding } from '../../src/core/doctor/finding.js';

const f = (severity: Finding['severity'], extra: Partial<Finding> = {}): Finding => ({ stage: 'stream', id: 'stream.x', resource: 's', severity, evidence: 'e', ...extra });

describe('doctor rules', () => {
  it('resolves the data prefix for each recent hour, newest first, and cuts at an expression it cannot resolve', () => {
    const now = Date.parse('2026-12-01T10:30:00Z');
    expect(timestampPrefixes('cdc/orders/!{timestamp:yyyy/MM/dd}/', now - 2 * 3_600_000, now)).toEqual(['cdc/orders/2026/12/01/']);
    expect(timestampPrefixes('', Date.parse('2026-12-01T09:10:00Z'), now)).toEqual(['2026/12/01/10/', '2026/12/01/09/']);
    expect(timestampPrefixes('x/!{partitionKeyFromQuery:t}/!{timestamp:yyyy}/', now - 3_600_000, now)).toEqual(['x/']);
    expect(staticHead('cdc-errors/!{firehose:error-output-type}/')).toBe('cdc-errors/');
  });

  it('reads the error-output type from where the prefix puts it', () => {
    const p = 'cdc-errors/orders/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/';
    expect(errorOutputType('cdc-errors/orders/processing-failed/2026/12/01/x', p)).toBe('processing-failed');
    expect(errorOutputType('errs/format-conversion-failed/2026/x', 'errs/')).toBe('format-conversion-failed');
    expect(errorOutputType('errs/other', 'errs/')).toBe('unknown');
  });

  it.each([
    [[f('ok'), f('warn')], 'error', 'ok'],
    [[f('ok'), f('warn')], 'warn', 'failed'],
    [[f('error')], 'error', 'failed'],
    [[f('error'), f('skipped', { deniedAction: 'dms:DescribeTableStatistics' })], 'error', 'denied'],
  ] as const)('exit outcome %#', (findings, failOn, kind) => {
    expect(doctorOutcome(buildDoctorReport(findings, ['stream']), failOn).kind).toBe(kind);
  });

  it('a missing named resource is exit 4 unless access was denied too', () => {
    expect(doctorOutcome(buildDoctorReport([f('error')], ['stream'], ['orders']), 'error')).toMatchObject({ kind: 'missing', message: 'not found: orders' });
  });

  it("the task's include rules become schema/table pairs", () => {
    const tm = JSON.stringify({ rules: [{ 'rule-type': 'selection', 'rule-action': 'include', 'object-locator': { 'schema-name': 'public', 'table-name': '%' } }, { 'rule-type': 'selection', 'rule-action': 'exclude', 'object-locator': { 'schema-name': 'public', 'table-name': 'audit_%' } }] });
    expect(includedTables(tm)).toEqual([{ schema: 'public', table: '%' }]);
    expect(includedTables('not json')).toEqual([]);
  });

  it('the pipeline file names consumers by kind and name, as alarms.consumers does', () => {
    expect(parsePipeline('stream: {name: s, mode: on-demand}\nconsumers: [{kind: kcl, name: app}, {kind: flink, name: f}]\n', 'c.yaml').consumers).toEqual([{ kind: 'kcl', name: 'app' }, { kind: 'flink', name: 'f' }]);
    expect(() => parsePipeline('stream: {name: s, mode: on-demand}\nconsumers: [{kind: kafka, name: x}]\n', 'c.yaml')).toThrow(/consumers\[0\]\.kind/);
  });
});
