// A throwaway certificate authority for TLS tests, made with the `openssl`
// command in the test's own directory at test start (nothing checked in).
// Keys are P-256 (fast to make); leaf certificates are issued by `openssl ca`,
// which can back-date them (an expired certificate).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const CA_CONFIG = `[ca]
default_ca = test_ca
[test_ca]
dir = .
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;

function openssl(cwd, args) {
  return execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

function newKey(cwd, keyFile) {
  openssl(cwd, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile]);
}

// SHA-256 of a certificate's public key (SPKI DER).
function spkiDigest(certFile) {
  const pub = execFileSync('openssl', ['x509', '-in', certFile, '-noout', '-pubkey']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pub });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der });
}

/** "sha256:<hex>" of a certificate's public key: what --coordinator-fingerprint pins. */
export const spkiFingerprint = (certFile) => `sha256:${spkiDigest(certFile).toString('hex')}`;

/** The same digest in base64: what Chromium's --ignore-certificate-errors-spki-list takes. */
export const spkiBase64 = (certFile) => spkiDigest(certFile).toString('base64');

export class TestCa {
  /** A new CA in `dir` (created): ca.pem is what a client trusts. */
  constructor(dir, name = 'Potluck Test CA') {
    mkdirSync(dir, { recursive: true });
    this.dir = dir;
    writeFileSync(path.join(dir, 'ca.cnf'), CA_CONFIG);
    writeFileSync(path.join(dir, 'index.txt'), '');
    writeFileSync(path.join(dir, 'serial'), '1000\n');
    newKey(dir, 'ca.key');
    openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${name}`]);
    this.certFile = path.join(dir, 'ca.pem');
    this.pem = readFileSync(this.certFile);
  }

  /**
   * Issues a leaf certificate; returns {certFile, keyFile, serial} (serial as
   * the upper-case hex Node's getPeerCertificate() shows). `names` become the
   * subjectAltName ("DNS:localhost", "IP:127.0.0.1"); `expired` dates it in 2020.
   */
  issue(file, { names = ['DNS:localhost'], expired = false } = {}) {
    const keyFile = path.join(this.dir, `${file}.key`);
    const certFile = path.join(this.dir, `${file}.pem`);
    newKey(this.dir, keyFile);
    const cn = names[0].replace(/^[A-Z]+:/, '');
    openssl(this.dir, ['req', '-new', '-key', keyFile, '-out', `${file}.csr`, '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=${names.join(',')}`]);
    const dates = expired ? ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z'] : ['-days', '2'];
    openssl(this.dir, ['ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key',
      '-in', `${file}.csr`, '-out', certFile, ...dates]);
    const serial = openssl(this.dir, ['x509', '-in', certFile, '-noout', '-serial']).trim().replace(/^serial=/, '');
    return { certFile, keyFile, serial: serial.toUpperCase() };
  }
}
