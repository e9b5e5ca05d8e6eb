import { expect } from 'chai';
import { formatDuration, parseDuration } from '../../../common/duration.js';

describe('parseDuration', () => {
  it('parses Go-style durations into milliseconds', () => {
    expect(parseDuration('10s')).to.equal(10_000);
    expect(parseDuration('250ms')).to.equal(250);
    expect(parseDuration('1m30s')).to.equal(90_000);
    expect(parseDuration('1.5s')).to.equal(1_500);
    expect(parseDuration('0')).to.equal(0);
  });
  it('rejects bare numbers and garbage, naming the option', () => {
    expect(() => parseDuration('10', '-ttl')).to.throw(/-ttl: expected a duration/);
    expect(() => parseDuration('10x')).to.throw(/expected a duration/);
    expect(() => parseDuration('')).to.throw(/expected a duration/);
  });
  it('formats milliseconds for Consul', () => {
    expect(formatDuration(10_000)).to.equal('10s');
    expect(formatDuration(1_500)).to.equal('1500ms');
  });
});
