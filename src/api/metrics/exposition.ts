// Prometheus' text exposition format (version 0.0.4): HELP and TYPE once per family, then its
// samples; label values escaped as the format says.

/** Labels of one sample. */
export type Labels = Record<string, string | number>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function fmt(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labelText(l: Labels | undefined): string {
  if (!l) return '';
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

/** Builds one exposition text, family by family. */
export class Exposition {
  private readonly out: string[] = [];

  /** A family with its samples (a family with none is still declared, as client libraries do). */
  family(name: string, type: 'gauge' | 'counter', help: string, samples: [Labels | undefined, number][]): this {
    this.out.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) this.out.push(`${name}${labelText(l)} ${fmt(v)}`);
    return this;
  }

  /** A histogram family: cumulative buckets (le), _sum and _count per label set. */
  histogram(name: string, help: string, series: { labels: Labels; buckets: number[]; counts: number[]; sum: number; count: number }[]): this {
    this.out.push(`# HELP ${name} ${help}`, `# TYPE ${name} histogram`);
    for (const s of series) {
      let acc = 0;
      s.buckets.forEach((le, i) => {
        acc += s.counts[i];
        this.out.push(`${name}_bucket${labelText({ ...s.labels, le: fmt(le) })} ${acc}`);
      });
      this.out.push(`${name}_bucket${labelText({ ...s.labels, le: '+Inf' })} ${s.count}`);
      this.out.push(`${name}_sum${labelText(s.labels)} ${fmt(s.sum)}`, `${name}_count${labelText(s.labels)} ${s.count}`);
    }
    return this;
  }

  /** The text, ending in a newline. */
  text(): string {
    return this.out.join('\n') + '\n';
  }
}
