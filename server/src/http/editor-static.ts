import expressStaticGzip from 'express-static-gzip';

/**
 * The editor's static files (editor/dist): the brotli or gzip file written at build for browsers that take it (never
 * compressed on the fly), hashed assets cached for a year as immutable, index.html revalidated on every load.
 */
export function editorStatic(dir: string) {
  return expressStaticGzip(dir, {
    enableBrotli: true,
    orderPreference: ['br', 'gzip'],
    serveStatic: {
      index: 'index.html',
      setHeaders(res, file) {
        res.setHeader('cache-control', /[\\/]assets[\\/]/.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    },
  });
}
