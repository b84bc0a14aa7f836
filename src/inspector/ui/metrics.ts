/** Metrics at a glance: four values with sparklines of the last samples (one per server tick). */
import { el } from './api.js';
import type { MetricSample } from './types.js';

const CARDS: Array<{ key: keyof MetricSample; label: string }> = [
  { key: 'rate', label: 'messages/s' },
  { key: 'restarts', label: 'restarts' },
  { key: 'deadLetters', label: 'dead letters' },
  { key: 'mailboxTotal', label: 'queued messages' },
];

export class MetricsView {
  private samples: MetricSample[] = [];

  constructor(private readonly root: HTMLElement) {}

  reset(samples: MetricSample[]): void {
    this.samples = samples.slice(-120);
    this.render();
  }

  add(sample: MetricSample): void {
    this.samples.push(sample);
    if (this.samples.length > 120) this.samples.shift();
    this.render();
  }

  private render(): void {
    this.root.innerHTML = '';
    for (const card of CARDS) {
      const values = this.samples.map((s) => s[card.key]);
      const box = el('div', 'metric');
      box.dataset['metric'] = card.key;
      const text = el('div');
      const current = values[values.length - 1] ?? 0;
      text.append(el('div', 'label', card.label), el('div', 'value', current.toLocaleString()));
      box.append(text, sparkline(values));
      this.root.append(box);
    }
  }
}

function sparkline(values: readonly number[]): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 120 32');
  svg.setAttribute('preserveAspectRatio', 'none');
  const max = Math.max(1, ...values);
  const n = values.length;
  const points = values.map((v, i) => `${n < 2 ? 0 : (i / (n - 1)) * 120},${30 - (v / max) * 28}`).join(' ');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}
