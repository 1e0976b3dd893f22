// The API reference (Scalar, served from this origin: no CDN) over the generated /openapi.json.
// Fonts, telemetry and the "try it" client are off: the page works offline and sends nothing
// anywhere (the page's CSP allows connections to this origin only).
/* global Scalar */
Scalar.createApiReference('#app', {
  url: '/openapi.json',
  withDefaultFonts: false,
  telemetry: false,
  hideClientButton: true,
  showDeveloperTools: 'never',
  showToolbar: 'never',
  agent: { disabled: true },
  mcp: { disabled: true },
});
