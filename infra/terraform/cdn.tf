# Optional (cdn_enabled): CloudFront in front of app.<domain_name>. The dashboard's /assets/* are
# hashed and immutable (served with a year's max-age), so the edge caches them; every other path
# (pages, /api/*, webhooks) passes through uncached with its cookies, headers and query.
resource "aws_acm_certificate" "cdn" {
  count             = var.cdn_enabled ? 1 : 0
  provider          = aws.us_east_1
  domain_name       = local.hostnames.app
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "cdn_certificate_validation" {
  for_each = { for o in flatten(aws_acm_certificate.cdn[*].domain_validation_options) : o.domain_name => o }

  zone_id         = data.aws_route53_zone.main.zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "cdn" {
  count                   = var.cdn_enabled ? 1 : 0
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.cdn[0].arn
  validation_record_fqdns = [for record in aws_route53_record.cdn_certificate_validation : record.fqdn]
}

data "aws_cloudfront_cache_policy" "disabled" {
  name = "Managed-CachingDisabled"
}

data "aws_cloudfront_cache_policy" "optimized" {
  name = "Managed-CachingOptimized"
}

data "aws_cloudfront_origin_request_policy" "all_viewer" {
  name = "Managed-AllViewer"
}

resource "aws_cloudfront_distribution" "app" {
  count           = var.cdn_enabled ? 1 : 0
  enabled         = true
  is_ipv6_enabled = true
  comment         = "${local.name}: dashboard assets cached, everything else passed to the ALB"
  aliases         = [local.hostnames.app]
  price_class     = "PriceClass_100"
  http_version    = "http2and3"

  # HTTPS to the ALB under a name its certificate covers.
  origin {
    origin_id   = "alb"
    domain_name = local.origin_hostname

    custom_origin_config {
      http_port              = 80
      https_port             = 443
      origin_protocol_policy = "https-only"
      origin_ssl_protocols   = ["TLSv1.2"]
    }
  }

  default_cache_behavior {
    target_origin_id         = "alb"
    viewer_protocol_policy   = "redirect-to-https"
    allowed_methods          = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    cached_methods           = ["GET", "HEAD"]
    cache_policy_id          = data.aws_cloudfront_cache_policy.disabled.id
    origin_request_policy_id = data.aws_cloudfront_origin_request_policy.all_viewer.id
    compress                 = false
  }

  ordered_cache_behavior {
    path_pattern           = "/assets/*"
    target_origin_id       = "alb"
    viewer_protocol_policy = "redirect-to-https"
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    cache_policy_id        = data.aws_cloudfront_cache_policy.optimized.id
    compress               = true
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.cdn[0].certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_route53_record" "cdn" {
  count   = var.cdn_enabled ? 1 : 0
  zone_id = data.aws_route53_zone.main.zone_id
  name    = local.hostnames.app
  type    = "A"

  alias {
    name                   = aws_cloudfront_distribution.app[0].domain_name
    zone_id                = aws_cloudfront_distribution.app[0].hosted_zone_id
    evaluate_target_health = false
  }
}
