package io.pagedstream.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HexFormat;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority made for one test run, and PKCS12 stores of the certificates it signs: no
 * key or password is ever committed. Each store gets a random password, so a test can look for it
 * in outputs that must not hold secrets.
 *
 * <pre>{@code
 * TestCertificates ca = TestCertificates.authority(dir, "test-ca");
 * Store broker = ca.issue("broker", true);     // SAN 127.0.0.1 and localhost, for servers
 * Store ingest = ca.issue("ingest", false);    // a client identity, principal CN=ingest
 * Store trust = ca.trustStore();               // what both sides trust
 * }</pre>
 */
public final class TestCertificates {

  /** A PKCS12 file and the password that opens it (and its key). */
  public record Store(Path path, String password) {}

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration VALIDITY = Duration.ofDays(2);
  private static final String SIGNATURE = "SHA256withECDSA";

  private final Path dir;
  private final String name;
  private final KeyPair keys;
  private final X509Certificate certificate;

  private TestCertificates(Path dir, String name, KeyPair keys, X509Certificate certificate) {
    this.dir = dir;
    this.name = name;
    this.keys = keys;
    this.certificate = certificate;
  }

  /** A new self-signed CA named {@code CN=name}; its stores go into {@code dir}. */
  public static TestCertificates authority(Path dir, String name) {
    try {
      KeyPair keys = keyPair();
      X500Name subject = new X500Name("CN=" + name);
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          builder(subject, subject, keys)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
              .addExtension(
                  Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
              .addExtension(
                  Extension.subjectKeyIdentifier,
                  false,
                  ext.createSubjectKeyIdentifier(keys.getPublic()));
      Files.createDirectories(dir);
      return new TestCertificates(dir, name, keys, sign(b, keys));
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make test CA " + name + ": " + e, e);
    }
  }

  /**
   * A key store holding a new key and its certificate {@code CN=commonName} signed by this CA (with
   * the CA certificate as chain). {@code server}: also valid for TLS servers at
   * 127.0.0.1/localhost.
   */
  public Store issue(String commonName, boolean server) {
    try {
      KeyPair pair = keyPair();
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder b =
          builder(new X500Name("CN=" + name), new X500Name("CN=" + commonName), pair)
              .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
              .addExtension(
                  Extension.keyUsage,
                  true,
                  new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement))
              .addExtension(
                  Extension.authorityKeyIdentifier,
                  false,
                  ext.createAuthorityKeyIdentifier(certificate))
              .addExtension(
                  Extension.extendedKeyUsage,
                  false,
                  server
                      ? new ExtendedKeyUsage(
                          new KeyPurposeId[] {
                            KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                          })
                      : new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
      if (server) {
        b.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(
                new GeneralName[] {
                  new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                  new GeneralName(GeneralName.dNSName, "localhost")
                }));
      }
      X509Certificate cert = sign(b, keys);
      String password = password();
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(
          commonName,
          pair.getPrivate(),
          password.toCharArray(),
          new java.security.cert.Certificate[] {cert, certificate});
      return save(store, commonName + ".keystore.p12", password);
    } catch (GeneralSecurityException | IOException | OperatorCreationException e) {
      throw new IllegalStateException(
          "cannot issue a test certificate for " + commonName + ": " + e, e);
    }
  }

  /** A trust store holding this CA's certificate. */
  public Store trustStore() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setCertificateEntry(name, certificate);
      return save(store, name + ".truststore.p12", password());
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot write the trust store of " + name + ": " + e, e);
    }
  }

  private Store save(KeyStore store, String file, String password)
      throws IOException, GeneralSecurityException {
    Path path = dir.resolve(file);
    try (OutputStream out = Files.newOutputStream(path)) {
      store.store(out, password.toCharArray());
    }
    return new Store(path, password);
  }

  private static X509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, KeyPair subjectKeys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(64, RANDOM).abs().add(BigInteger.ONE),
        Date.from(now.minus(Duration.ofHours(1))),
        Date.from(now.plus(VALIDITY)),
        subject,
        subjectKeys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuerKeys)
      throws OperatorCreationException, GeneralSecurityException {
    ContentSigner signer = new JcaContentSignerBuilder(SIGNATURE).build(issuerKeys.getPrivate());
    return new JcaX509CertificateConverter().getCertificate(b.build(signer));
  }

  private static KeyPair keyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  /** Random, and recognisable in an output that should not hold it. */
  private static String password() {
    byte[] b = new byte[12];
    RANDOM.nextBytes(b);
    return "store-Pw-" + HexFormat.of().formatHex(b);
  }
}
