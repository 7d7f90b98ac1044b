// CloudFront Function (runtime cloudfront-js-2.0), viewer request event, for a static site in an S3 bucket
// reached through origin access control. That origin is the S3 REST endpoint, which has no index document:
// a request for /docs/ or /docs asks S3 for the key "docs/" or "docs" and gets 403 (OAC) or 404. This
// function points such directory URIs at their index.html key before CloudFront looks in its cache, so the
// cache key and the object key agree. Method, query string, headers and cookies pass through untouched.
//
// lib/static-site/viewer-request-code.ts replaces the placeholder below with true or false; that result is
// what CloudFront runs and what test/static-site/viewer-request.test.ts runs and checks against the
// runtime's rules. Only ES 5.1 built-ins are used here (the runtime is ES 5.1 compliant).
/* eslint-disable @typescript-eslint/no-unused-vars -- CloudFront calls handler by name; catch needs a binding */
const SINGLE_PAGE_APP = __SINGLE_PAGE_APP__;

// A file extension: a dot followed by at least one character, none of them a dot or slash, at the end of the
// segment (".env" and "app.min.js" have one; "docs" and "v1." do not).
const EXTENSION = /\.[^./]+$/;

// The last path segment, percent-decoded as S3 decodes the key: "/file%2Ejs" is the key "file.js". A
// malformed escape stays as sent; the URI itself is never re-encoded.
function lastSegment(uri) {
  const segment = uri.slice(uri.lastIndexOf('/') + 1);
  try {
    return decodeURIComponent(segment);
  } catch (e) {
    return segment;
  }
}

// CloudFront calls the top-level function named handler with the event and forwards the request it returns.
function handler(event) {
  const request = event.request;
  const uri = request.uri;
  if (uri.charAt(uri.length - 1) === '/') {
    // A directory: its index document, for a single-page app too (an SPA may still ship /docs/index.html).
    request.uri = uri + 'index.html';
  } else if (!SINGLE_PAGE_APP && !EXTENSION.test(lastSegment(uri))) {
    // An extensionless path is a directory of the site. In a single-page app it is a client-side route
    // instead, left as it is: S3 answers 403 and the distribution's error responses serve /index.html.
    request.uri = uri + '/index.html';
  }
  return request;
}
