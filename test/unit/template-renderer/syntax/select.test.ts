import { expect } from 'chai';
import { parseTemplateEntry } from '../../../../template-renderer/config-values.js';
import { syntaxFor } from '../../../../template-renderer/syntax/engine.js';

describe('template syntax selection', () => {
  it('uses Go for .ctmpl and .tmpl sources and Handlebars otherwise', () => {
    expect(syntaxFor({ source: '/etc/nginx.conf.ctmpl' })).to.equal('go');
    expect(syntaxFor({ source: 'a.TMPL' })).to.equal('go');
    expect(syntaxFor({ source: 'a.hbs' })).to.equal('handlebars');
    expect(syntaxFor({ source: 'a.ctmpl.bak' })).to.equal('handlebars');
    expect(syntaxFor({})).to.equal('handlebars');
  });

  it('lets the config file choose per template', () => {
    expect(syntaxFor({ source: 'a.conf', syntax: 'go' })).to.equal('go');
    expect(syntaxFor({ source: 'a.ctmpl', syntax: 'handlebars' })).to.equal('handlebars');
    const t = parseTemplateEntry(
      { source: 'a.conf', destination: 'b', syntax: 'go' },
      'templates[0]',
    );
    expect(t.syntax).to.equal('go');
    expect(() =>
      parseTemplateEntry({ source: 'a', destination: 'b', syntax: 'jinja' }, 'templates[0]'),
    ).to.throw(/templates\[0\]\.syntax: expected handlebars or go, received "jinja"/);
  });
});
