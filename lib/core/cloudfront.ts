import { IConstruct } from 'constructs';
import { acknowledge, guardRule } from './acknowledge';

/**
 * The only Region CloudFront's control plane lives in: its metrics, CLOUDFRONT-scope web ACLs, the
 * delivery sources of its standard logs and the ACM certificates it serves are all created there.
 */
export const CLOUDFRONT_REGION = 'us-east-1';

/**
 * A distribution served as `*.cloudfront.net` with CloudFront's own certificate (no domain of its own):
 * its security policy (TLSv1) cannot be changed and it needs no SNI, so the cdk-nag rule and the three
 * Control Tower rules that read the viewer certificate all fail. `reason` says why this distribution has
 * no domain and what giving it one changes.
 */
export function acknowledgeDefaultCertificate(distribution: IConstruct, reason: string): void {
  acknowledge(
    distribution,
    { id: 'AwsSolutions-CFR4', reason },
    { id: guardRule('cloudfront_custom_ssl_certificate_check'), reason },
    { id: guardRule('cloudfront_security_policy_check'), reason },
    { id: guardRule('cloudfront_sni_enabled_check'), reason },
  );
}
