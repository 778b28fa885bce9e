/** Named outputs in provision requests: filled in from what is known, or mapped onto CloudFormation. */
import { describe, expect, it } from 'vitest';
import { asJson, join, output, resolve, toCloudFormation, tryResolve, UnresolvedOutput } from '../../src/core/provision/values.js';

describe('join', () => {
  it.each([
    ['all strings become one string', join('arn:', 'aws', ':kinesis'), 'arn:aws:kinesis'],
    ['an output keeps the parts, adjacent strings merged', join('a', 'b', output('region'), 'c', 'd'), { $join: ['ab', { $output: 'region' }, 'cd'] }],
    ['a nested join is flattened', join(join('x', output('accountId')), ':y'), { $join: ['x', { $output: 'accountId' }, ':y'] }],
  ])('%s', (_name, value, expected) => {
    expect(value).toEqual(expected);
  });
});

describe('resolve', () => {
  const known = { region: 'eu-west-1', accountId: '111122223333', taskArn: 'arn:aws:dms:eu-west-1:111122223333:task:ABCDEF' };
  it('fills outputs deeply, joins and JSON documents', () => {
    const request = { Name: 'x', Arn: join('arn:aws:kinesis:', output('region'), ':', output('accountId'), ':stream/s'), Doc: asJson({ Resource: output('accountId') }), List: [output('region')] };
    expect(resolve(request, known)).toEqual({ Name: 'x', Arn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/s', Doc: '{"Resource":"111122223333"}', List: ['eu-west-1'] });
  });
  it("derives a task's resource id from its ARN (the CDCLatency* dimension)", () => {
    expect(resolve(output('taskResourceId'), known)).toBe('ABCDEF');
  });
  it('names the output that is not known yet', () => {
    expect(() => resolve({ a: output('endpointArn') }, known)).toThrow(UnresolvedOutput);
    expect(tryResolve({ a: output('endpointArn') }, known)).toBeUndefined();
  });
});

describe('toCloudFormation', () => {
  it('maps outputs to the expressions given, joins to Fn::Join, JSON documents to objects', () => {
    const refs = { region: { Ref: 'AWS::Region' }, streamArn: { 'Fn::GetAtt': ['Stream', 'Arn'] } };
    expect(toCloudFormation({ A: output('streamArn'), B: join('kinesis.', output('region'), '.amazonaws.com'), C: asJson({ R: output('region') }) }, refs)).toEqual({
      A: { 'Fn::GetAtt': ['Stream', 'Arn'] },
      B: { 'Fn::Join': ['', ['kinesis.', { Ref: 'AWS::Region' }, '.amazonaws.com']] },
      C: { R: { Ref: 'AWS::Region' } },
    });
  });
  it('refuses an output the template cannot express', () => {
    expect(() => toCloudFormation(output('replicationInstanceId'), {})).toThrow(UnresolvedOutput);
  });
});
