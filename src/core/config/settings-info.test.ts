import { describe, expect, it } from 'vitest';
import { maskSecrets, maskUriSecrets, SECRET_MASK } from './settings-info.ts';

describe('masking secrets in settings', () => {
  it('masks the OAuth client secret and the MongoDB password, nothing else', () => {
    const settings = {
      machineName: 'lab-pc',
      google: { clientId: 'id.apps.googleusercontent.com', clientSecret: 'GOCSPX-abc' },
      history: {
        mongodbUri: 'mongodb://alice:s3cr%40t@db1:27017,db2:27017/?replicaSet=rs0',
        mongodbDatabase: 'driveup',
      },
      uploads: { concurrency: 3, bandwidthLimitBytesPerSecond: null },
    };
    const masked = maskSecrets(settings);
    expect(masked).toEqual({
      ...settings,
      google: { clientId: 'id.apps.googleusercontent.com', clientSecret: SECRET_MASK },
      history: {
        mongodbUri: `mongodb://alice:${SECRET_MASK}@db1:27017,db2:27017/?replicaSet=rs0`,
        mongodbDatabase: 'driveup',
      },
    });
    expect(JSON.stringify(masked)).not.toMatch(/GOCSPX|s3cr/);
    // The original is left alone.
    expect(settings.google.clientSecret).toBe('GOCSPX-abc');
  });

  it('masks credentials carried in connection string options', () => {
    const uri =
      'mongodb+srv://bob:pw@cluster0.example.net/db?tlsCertificateKeyFilePassword=kp&authMechanismProperties=AWS_SESSION_TOKEN:tok&appName=x';
    expect(maskUriSecrets(uri)).toBe(
      `mongodb+srv://bob:${SECRET_MASK}@cluster0.example.net/db?tlsCertificateKeyFilePassword=${SECRET_MASK}&authMechanismProperties=${SECRET_MASK}&appName=x`,
    );
    expect(maskUriSecrets('mongodb://127.0.0.1:27017/?directConnection=true')).toBe(
      'mongodb://127.0.0.1:27017/?directConnection=true',
    );
  });
});
