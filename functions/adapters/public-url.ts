import type { APIGatewayProxyEventV2 } from 'aws-lambda';

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\]|::1)$/i;

/**
 * Where this API is reached, for links the API hands out (a calendar feed's link, the OpenAPI
 * document's server): `https://<domainName>` on AWS (API Gateway sets the domain name from the
 * request's host, a custom domain included), with the stage as a path prefix unless it is
 * `$default`. The local server (local/api/) serves plain HTTP on a loopback address and a port, and
 * puts the Host header without its port in `domainName`: there the Host header, with its port,
 * gives a link that works (`http://127.0.0.1:3000`). A Host that is not a loopback address is never
 * used for the plain-HTTP form.
 */
export function publicBaseUrl(event: APIGatewayProxyEventV2): string {
  const { domainName, stage } = event.requestContext;
  const prefix = stage && stage !== '$default' ? `/${encodeURIComponent(stage)}` : '';
  if (LOOPBACK.test(domainName)) {
    const host = event.headers?.['host'] ?? domainName;
    const hostname = host.replace(/:\d+$/, '');
    return LOOPBACK.test(hostname) ? `http://${host}${prefix}` : `http://${domainName}${prefix}`;
  }
  return `https://${domainName}${prefix}`;
}
