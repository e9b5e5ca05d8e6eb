import { expect } from 'chai';
import {
  combineTags,
  metadataEntries,
  portMetadata,
  splitTags,
} from '../../../registrator/metadata.js';

const values = (m: ReturnType<typeof portMetadata>): Record<string, string> =>
  Object.fromEntries([...m].map(([k, v]) => [k, v.value]));

describe('registrator metadata', () => {
  it('reads SERVICE_* env and labels, keys lower-cased after the prefix', () => {
    const e = metadataEntries(['SERVICE_NAME=db', 'OTHER=x', 'SERVICE_Region=us2', 'BROKEN'], {
      SERVICE_TAGS: 'a',
      'com.example': 'y',
    });
    expect(values(portMetadata(e, '80'))).to.deep.equal({ name: 'db', region: 'us2', tags: 'a' });
  });

  it('port-specific keys beat global ones whatever the order', () => {
    const e = metadataEntries(['SERVICE_80_NAME=web', 'SERVICE_NAME=app'], { SERVICE_NAME: 'lbl' });
    const m = portMetadata(e, '80');
    expect(m.get('name')?.value).to.equal('web');
    expect(m.get('name')?.fromPort).to.equal(true);
    expect(m.get('name')?.source).to.equal('SERVICE_80_NAME');
    expect(portMetadata(e, '443').get('name')?.value).to.equal('lbl');
  });

  it('labels beat environment variables at the same level', () => {
    const e = metadataEntries(['SERVICE_NAME=env', 'SERVICE_80_TAGS=e'], {
      SERVICE_NAME: 'label',
      SERVICE_80_TAGS: 'l',
    });
    expect(values(portMetadata(e, '80'))).to.deep.equal({ name: 'label', tags: 'l' });
  });

  it('ignores keys of other ports', () => {
    const e = metadataEntries(['SERVICE_443_NAME=https', 'SERVICE_443_SNI=enabled'], {});
    expect(values(portMetadata(e, '80'))).to.deep.equal({});
    expect(values(portMetadata(e, '443'))).to.deep.equal({ name: 'https', sni: 'enabled' });
  });

  it('splits tags on unescaped commas, keeps order, trims, drops empties', () => {
    expect(splitTags('master,backups')).to.deep.equal(['master', 'backups']);
    expect(splitTags('a\\,b,c, d,,')).to.deep.equal(['a,b', 'c', 'd']);
    expect(splitTags('')).to.deep.equal([]);
    expect(splitTags(undefined)).to.deep.equal([]);
  });

  it('combines container tags then forced tags without duplicates', () => {
    expect(combineTags(['b', 'a'], ['a', 'z'], ['udp'])).to.deep.equal(['b', 'a', 'z', 'udp']);
  });
});
