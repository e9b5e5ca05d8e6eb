import { expect } from 'chai';
import { formatHelp, parseArgs, wantsHelp, type FlagSpec } from '../../../common/cli/argv.js';

const specs: FlagSpec[] = [
  { name: 'ip', kind: 'string', description: 'ip' },
  { name: 'internal', kind: 'boolean', description: 'internal' },
  { name: 'template', kind: 'list', description: 'templates' },
];

describe('parseArgs', () => {
  it('accepts single and double dashes, with = or a separate value', () => {
    for (const argv of [
      ['-ip', '1.2.3.4'],
      ['--ip=1.2.3.4'],
      ['--ip', '1.2.3.4'],
      ['-ip=1.2.3.4'],
    ]) {
      expect(parseArgs(argv, specs).flags.ip).to.equal('1.2.3.4');
    }
  });
  it('stops at the first positional, like Go flags', () => {
    const parsed = parseArgs(['-internal', 'consul://h:8500', '-ip', 'x'], specs);
    expect(parsed.flags.internal).to.equal(true);
    expect(parsed.positionals).to.deep.equal(['consul://h:8500', '-ip', 'x']);
  });
  it('collects repeatable flags and parses explicit booleans', () => {
    const parsed = parseArgs(
      ['-template', 'a:b', '--template=c:d:nginx -s reload', '-internal=false'],
      specs,
    );
    expect(parsed.flags.template).to.deep.equal(['a:b', 'c:d:nginx -s reload']);
    expect(parsed.flags.internal).to.equal(false);
  });
  it('rejects unknown flags and missing values with E_USAGE', () => {
    expect(() => parseArgs(['-nope'], specs)).to.throw(/unknown flag: -nope/);
    expect(() => parseArgs(['-ip'], specs)).to.throw(/needs a value/);
  });
  it('detects help and formats it', () => {
    expect(wantsHelp(['-x', '--help'])).to.equal(true);
    expect(wantsHelp(['--', '-h'])).to.equal(false);
    expect(formatHelp('prog [options]', 'Does things.', specs))
      .to.contain('-template')
      .and.contain('repeatable');
  });
});
