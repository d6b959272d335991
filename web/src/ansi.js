// ANSI SGR colours (what pytest, pip and the linters print) to HTML spans; every other escape
// sequence is dropped. Text is HTML-escaped first, so a log cannot inject markup.
export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}

const SGR = /\x1b\[([0-9;]*)m/g;
const OTHER = /\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07|\r(?!\n)/g;

export function ansiToHtml(text) {
  let out = '';
  let fg = null;
  let bg = null;
  let bold = false;
  let open = false;
  let last = 0;
  const clean = String(text ?? '').replace(OTHER, (m) => (m.endsWith('m') && m.startsWith('\x1b[') ? m : ''));
  const close = () => {
    if (open) out += '</span>';
    open = false;
  };
  const start = () => {
    const cls = [];
    if (fg != null) cls.push('fg' + fg);
    if (bg != null) cls.push('bg' + bg);
    if (bold) cls.push('b');
    if (cls.length) {
      out += `<span class="${cls.join(' ')}">`;
      open = true;
    }
  };
  for (const m of clean.matchAll(SGR)) {
    out += esc(clean.slice(last, m.index));
    last = m.index + m[0].length;
    close();
    const codes = m[1] === '' ? [0] : m[1].split(';').map(Number);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c === 0) (fg = null), (bg = null), (bold = false);
      else if (c === 1) bold = true;
      else if (c === 22) bold = false;
      else if (c >= 30 && c <= 37) fg = c - 30;
      else if (c >= 90 && c <= 97) fg = c - 90 + 8;
      else if (c === 39) fg = null;
      else if (c >= 40 && c <= 47) bg = c - 40;
      else if (c === 49) bg = null;
      else if ((c === 38 || c === 48) && codes[i + 1] === 5) {
        const v = codes[i + 2] & 15;
        if (c === 38) fg = v;
        else bg = v;
        i += 2;
      } else if ((c === 38 || c === 48) && codes[i + 1] === 2) i += 4;
    }
    start();
  }
  out += esc(clean.slice(last));
  close();
  return out;
}
