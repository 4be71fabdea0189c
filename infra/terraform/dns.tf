# HTTPS for the guide's names: app, api, webhooks and admin.<domain_name> (plus origin.<domain_name>,
# CloudFront's way to the ALB), one ACM certificate validated through Route 53, and alias records.
locals {
  zone_name = var.hosted_zone_name != "" ? var.hosted_zone_name : var.domain_name

  # The guide's DNS records: the application, API endpoints, webhooks, the admin dashboard.
  hostnames = {
    app      = "app.${var.domain_name}"
    api      = "api.${var.domain_name}"
    webhooks = "webhooks.${var.domain_name}"
    admin    = "admin.${var.domain_name}"
  }
  origin_hostname = "origin.${var.domain_name}"
  public_url      = var.public_url != "" ? var.public_url : "https://${local.hostnames.app}"

  # Straight to the ALB; app goes through CloudFront when cdn_enabled (cdn.tf).
  alb_hostnames = merge({ for key, host in local.hostnames : key => host if !(var.cdn_enabled && key == "app") }, { origin = local.origin_hostname })

  certificate_arn = var.certificate_arn != "" ? var.certificate_arn : aws_acm_certificate_validation.main[0].certificate_arn
}

data "aws_route53_zone" "main" {
  name         = local.zone_name
  private_zone = false
}

resource "aws_acm_certificate" "main" {
  count                     = var.certificate_arn == "" ? 1 : 0
  domain_name               = local.hostnames.app
  subject_alternative_names = [local.hostnames.api, local.hostnames.webhooks, local.hostnames.admin, local.origin_hostname]
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# One CNAME per name proves control of the domain; ACM renews by itself while they stay.
resource "aws_route53_record" "certificate_validation" {
  for_each = { for o in flatten(aws_acm_certificate.main[*].domain_validation_options) : o.domain_name => o }

  zone_id         = data.aws_route53_zone.main.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

# The HTTPS listener waits for this: an apply ends with a certificate that is issued.
resource "aws_acm_certificate_validation" "main" {
  count                   = var.certificate_arn == "" ? 1 : 0
  certificate_arn         = aws_acm_certificate.main[0].arn
  validation_record_fqdns = [for record in aws_route53_record.certificate_validation : record.fqdn]
}

resource "aws_route53_record" "alb" {
  for_each = local.alb_hostnames

  zone_id = data.aws_route53_zone.main.zone_id
  name    = each.value
  type    = "A"

  alias {
    name                   = aws_lb.main.dns_name
    zone_id                = aws_lb.main.zone_id
    evaluate_target_health = true
  }
}
