import { literalLocal, resourceBlock, resourceBlocks, type ParsedTerraform } from './terraform-references.ts';

type Json = Record<string, unknown>;
const GUIDE_NAMES = ['app', 'api', 'webhooks', 'admin'] as const;

/**
 * What keeps the stack from serving HTTPS on the guide's names, one line per problem (empty = fine):
 * the HTTP listener must redirect, the HTTPS listener must use the validated ACM certificate, the
 * certificate must cover every name and be validated by DNS in Route 53, and each name needs a record.
 */
export function httpsProblems(parsed: ParsedTerraform): string[] {
  const problems: string[] = [];
  const http = resourceBlock(parsed, 'aws_lb_listener', 'http');
  const action = (http?.default_action as Json[] | undefined)?.[0];
  const redirect = (action?.redirect as Json[] | undefined)?.[0];
  if (action?.type !== 'redirect' || redirect?.protocol !== 'HTTPS' || redirect?.port !== '443' || redirect?.status_code !== 'HTTP_301')
    problems.push('HTTP listener: must redirect to HTTPS 443 (HTTP_301), not forward');

  const https = resourceBlock(parsed, 'aws_lb_listener', 'https');
  if (!https || https.protocol !== 'HTTPS' || https.port !== 443) problems.push('HTTPS listener: missing (port 443, protocol HTTPS)');
  else {
    if (https.count !== undefined) problems.push('HTTPS listener: must always exist (no count)');
    if (https.certificate_arn !== '${local.certificate_arn}') problems.push('HTTPS listener: certificate_arn must be local.certificate_arn');
    if (!String(https.ssl_policy).startsWith('ELBSecurityPolicy-TLS13')) problems.push('HTTPS listener: needs a TLS 1.3 security policy');
  }
  if (!String(literalLocal(parsed, 'certificate_arn')).includes('aws_acm_certificate_validation.main[0].certificate_arn'))
    problems.push('certificate: the HTTPS listener must use the validated certificate (aws_acm_certificate_validation)');

  const certificate = resourceBlock(parsed, 'aws_acm_certificate', 'main');
  if (!certificate || certificate.validation_method !== 'DNS') problems.push('certificate: an ACM certificate with DNS validation is missing');
  else {
    const covered = [certificate.domain_name, ...((certificate.subject_alternative_names as string[]) ?? [])];
    for (const name of GUIDE_NAMES) if (!covered.includes(`\${local.hostnames.${name}}`)) problems.push(`certificate: does not cover ${name}`);
  }
  const records = resourceBlocks(parsed, 'aws_route53_record');
  const validation = records.certificate_validation;
  if (!validation || !String(validation.for_each).includes('aws_acm_certificate.main[*].domain_validation_options') || validation.zone_id !== '${data.aws_route53_zone.main.zone_id}')
    problems.push('certificate: no Route 53 validation records in the hosted zone');
  const alias = records.alb;
  if (!alias || !String(alias.for_each).includes('local.alb_hostnames') || !JSON.stringify(alias.alias).includes('${aws_lb.main.dns_name}'))
    problems.push('DNS: the guide\'s names have no alias records to the ALB');
  return problems;
}
