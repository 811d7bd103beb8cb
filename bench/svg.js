// A bar chart of GB/s per case (softmax with out=, one group per case, one bar per thread count)
// against the memcpy floor measured in the same run, as an SVG file for the README.
'use strict';

const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function barChart(records, title) {
  const rows = records.filter((r) => r.op === 'softmax' && r.mode === 'out');
  const threads = [...new Set(rows.map((r) => r.threads))].sort((a, b) => a - b);
  const cases = [...new Set(rows.map((r) => r.case))];
  const maxGbps = Math.max(...rows.map((r) => Math.max(r.gbps, r.memcpyGbps, r.torchNs ? 0 : 0)));
  const colors = ['#2b6cb0', '#dd6b20', '#2f855a', '#805ad5'];
  const left = 70, top = 60, groupWidth = 70, barWidth = Math.floor(50 / threads.length), height = 300;
  const width = left + cases.length * groupWidth + 40;
  const y = (gbps) => top + height - (gbps / maxGbps) * height;
  const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${top + height + 80}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${left}" y="18" font-size="13">${escape(title.split('\n')[0])}</text>`,
    `<text x="${left}" y="34">softmax, out=, GB/s (input + output bytes / median time); grey tick: memcpy of the same bytes on the same threads</text>`];
  for (let g = 0; g <= 4; g++) {
    const value = (maxGbps * g) / 4;
    parts.push(`<line x1="${left}" x2="${width - 20}" y1="${y(value)}" y2="${y(value)}" stroke="#ddd"/>`,
      `<text x="${left - 8}" y="${y(value) + 4}" text-anchor="end">${value.toFixed(0)}</text>`);
  }
  cases.forEach((name, c) => {
    const x0 = left + c * groupWidth + 8;
    threads.forEach((t, i) => {
      const r = rows.find((row) => row.case === name && row.threads === t);
      if (!r) return;
      const x = x0 + i * barWidth;
      parts.push(`<rect x="${x}" y="${y(r.gbps)}" width="${barWidth - 2}" height="${top + height - y(r.gbps)}" fill="${colors[i % colors.length]}"><title>${escape(`${name} ${t} thread(s): ${r.gbps.toFixed(2)} GB/s`)}</title></rect>`,
        `<line x1="${x - 1}" x2="${x + barWidth - 1}" y1="${y(r.memcpyGbps)}" y2="${y(r.memcpyGbps)}" stroke="#555" stroke-width="2"/>`);
    });
    parts.push(`<text x="${x0 + 25}" y="${top + height + 16}" text-anchor="middle">${escape(name)}</text>`);
  });
  threads.forEach((t, i) => parts.push(`<rect x="${left + i * 110}" y="${top + height + 40}" width="12" height="12" fill="${colors[i % colors.length]}"/>`,
    `<text x="${left + i * 110 + 16}" y="${top + height + 50}">${t} thread${t > 1 ? 's' : ''}</text>`));
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

module.exports = { barChart };
