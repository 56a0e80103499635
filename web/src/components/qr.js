// A QR code as an SVG element (qrcode-generator computes the modules; the
// element is built node by node, never parsed from markup). Dark modules on
// white with the standard four-module quiet zone, whatever the page's theme:
// that is what cameras read.
import qrcode from 'qrcode-generator';

const SVG = 'http://www.w3.org/2000/svg';
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

function svgElement(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/**
 * The QR code of `text` (error correction M; alphanumeric mode when the text
 * is upper case, as an upper-cased BOLT11 URI is), labelled `label` for
 * screen readers.
 */
export function qrCode(text, { label, margin = 4 } = {}) {
  const qr = qrcode(0, 'M');
  qr.addData(text, ALPHANUMERIC.test(text) ? 'Alphanumeric' : 'Byte');
  qr.make();
  const n = qr.getModuleCount();
  const size = n + 2 * margin;
  let d = '';
  for (let row = 0; row < n; row += 1) {
    for (let col = 0; col < n; col += 1) {
      if (qr.isDark(row, col)) d += `M${col + margin} ${row + margin}h1v1h-1z`;
    }
  }
  const svg = svgElement('svg', {
    class: 'qr-code',
    viewBox: `0 0 ${size} ${size}`,
    role: 'img',
    'aria-label': label ?? 'QR code',
    'shape-rendering': 'crispEdges',
    'data-modules': n,
  });
  const title = svgElement('title', {});
  title.textContent = label ?? 'QR code';
  svg.append(title, svgElement('rect', { width: size, height: size, fill: '#ffffff' }), svgElement('path', { d, fill: '#000000' }));
  return svg;
}
