import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, type CollectionTag, type ScalarTag } from 'yaml';

const TEMPLATE = 'infra/cloudformation/production-stack.yaml';

// Every CloudFormation short-form intrinsic, as the long form it stands for, in each YAML shape.
const INTRINSICS = ['Ref', 'Condition', 'GetAtt', 'Sub', 'Join', 'Select', 'Split', 'GetAZs', 'If', 'Equals', 'Not', 'And', 'Or', 'FindInMap', 'Base64', 'Cidr', 'ImportValue'];
const customTags = INTRINSICS.flatMap((name): (ScalarTag | CollectionTag)[] => {
  const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (value) => ({ [key]: name === 'GetAtt' ? [value.slice(0, value.indexOf('.')), value.slice(value.indexOf('.') + 1)] : value }) },
    { tag: `!${name}`, collection: 'seq', resolve: (value) => ({ [key]: value.toJSON() }) },
    { tag: `!${name}`, collection: 'map', resolve: (value) => ({ [key]: value.toJSON() }) },
  ];
});

const PSEUDO_PARAMETERS = ['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition', 'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix'];

type Template = { Parameters?: Record<string, unknown>; Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>; Conditions?: Record<string, unknown> };
const parseTemplate = (text: string) => parse(text, { customTags }) as Template;

/** Every !Ref, !GetAtt, ${…} in !Sub and condition name that points at nothing declared. */
function unresolvedReferences(template: Template): string[] {
  const targets = new Set([...Object.keys(template.Parameters ?? {}), ...Object.keys(template.Resources), ...PSEUDO_PARAMETERS]);
  const resources = new Set(Object.keys(template.Resources));
  const conditions = new Set(Object.keys(template.Conditions ?? {}));
  const problems: string[] = [];
  const walk = (value: unknown, where: string) => {
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${where}[${i}]`));
    if (!value || typeof value !== 'object') return;
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === 'string' && !targets.has(node.Ref)) problems.push(`${where}: !Ref ${node.Ref}`);
    if (Array.isArray(node['Fn::GetAtt']) && !resources.has(String(node['Fn::GetAtt'][0]))) problems.push(`${where}: !GetAtt ${node['Fn::GetAtt'].join('.')}`);
    if (typeof node.Condition === 'string' && !conditions.has(node.Condition)) problems.push(`${where}: condition ${node.Condition}`);
    if (Array.isArray(node['Fn::If']) && !conditions.has(String(node['Fn::If'][0]))) problems.push(`${where}: !If ${String(node['Fn::If'][0])}`);
    if (node['Fn::Sub'] !== undefined) {
      const [text, variables] = Array.isArray(node['Fn::Sub']) ? node['Fn::Sub'] : [node['Fn::Sub'], {}];
      for (const [, name] of String(text).matchAll(/\$\{([^!}][^}]*)\}/g)) {
        const target = name!.startsWith('AWS::') ? name! : name!.split('.')[0]!;
        if (!targets.has(target) && !(target in (variables as object))) problems.push(`${where}: \${${name}} in !Sub`);
      }
    }
    for (const [key, child] of Object.entries(node)) walk(child, `${where}.${key}`);
  };
  walk(template.Resources, 'Resources');
  walk((template as { Outputs?: unknown }).Outputs, 'Outputs');
  return problems;
}

describe('infra/cloudformation/production-stack.yaml', () => {
  const text = readFileSync(TEMPLATE, 'utf8');

  it('parses with its intrinsic tags and every reference points at a parameter, resource or pseudo parameter', () => {
    const template = parseTemplate(text);
    expect(unresolvedReferences(template)).toEqual([]);
    expect(template.Resources.PublicSubnet1?.Properties?.AvailabilityZone).toEqual({ 'Fn::Select': [0, { 'Fn::GetAZs': '' }] });
  });

  it('a mistyped !Ref, !GetAtt or !Sub name is reported', () => {
    const broken = text.replace('DBSubnetGroupName: !Ref DBSubnetGroup', 'DBSubnetGroupName: !Ref DBSubnetGroupp')
      .replace('!GetAtt NatGateway1EIP.AllocationId', '!GetAtt NatGatewayEIP.AllocationId')
      .replace('${DBSecret}:SecretString:password', '${DbSecret}:SecretString:password');
    expect(unresolvedReferences(parseTemplate(broken))).toEqual([
      'Resources.NatGateway1.Properties.AllocationId: !GetAtt NatGatewayEIP.AllocationId',
      'Resources.DBInstance.Properties.MasterUserPassword: ${DbSecret} in !Sub',
      'Resources.DBInstance.Properties.DBSubnetGroupName: !Ref DBSubnetGroupp',
    ]);
  });

  it('has the VPC, 3 public + 3 private subnets, PostgreSQL 15 Multi-AZ with the guide’s timeouts, and Redis', () => {
    const template = parseTemplate(text);
    const byType = (type: string) => Object.values(template.Resources).filter((r) => r.Type === type);
    expect(byType('AWS::EC2::VPC')).toHaveLength(1);
    expect(byType('AWS::EC2::Subnet')).toHaveLength(6);
    expect(template.Resources.DBInstance?.Properties).toMatchObject({ Engine: 'postgres', EngineVersion: '15', StorageType: 'gp3', BackupRetentionPeriod: 30, DeletionProtection: true, MaxAllocatedStorage: 1000 });
    expect(template.Resources.DBParameterGroup?.Properties?.Parameters).toMatchObject({ statement_timeout: '30000', idle_in_transaction_session_timeout: '10000' });
    expect(byType('AWS::ElastiCache::ReplicationGroup')[0]?.Properties).toMatchObject({ Engine: 'redis', Port: 6379, TransitEncryptionEnabled: true });
  });

  it('its DATABASE_URL template uses the form libpq and node-postgres both accept: verify-full against the bundled RDS CA', () => {
    const template = parseTemplate(text) as Template & { Outputs: Record<string, { Value: { 'Fn::Sub': string } }> };
    const url = template.Outputs.DatabaseUrlTemplate!.Value['Fn::Sub'];
    expect(url.slice(url.indexOf('?'))).toBe('?sslmode=verify-full&sslrootcert=/app/certs/rds-ca-bundle.pem');
    expect(template.Resources.DBInstance?.Properties).toMatchObject({ CACertificateIdentifier: 'rds-ca-rsa2048-g1' });
  });
});
