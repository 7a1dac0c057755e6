package io.pagedstream.kafka.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Collections;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Mutual TLS for an {@link EmbeddedKafka}: every listener speaks SSL and requires a client
 * certificate signed by a CA in the trust store; the certificate's CN is the client's principal
 * ({@code CN=ingest} is {@code User:ingest}), checked against ACLs by Kafka's {@code
 * StandardAuthorizer}, with nothing allowed where no ACL matches.
 *
 * <p>The broker's own certificate (which it also presents to itself, between its listeners) and the
 * admin's are super users: {@link EmbeddedKafka#clientProperties()} uses the admin's, so tools can
 * create topics and grant ACLs. Stores are PKCS12; a key's password is its store's.
 *
 * @param keyStore the broker's key and certificate, valid for 127.0.0.1
 * @param trustStore the CAs whose client certificates are accepted (and that signed the broker's)
 * @param adminKeyStore the admin client's key and certificate
 */
public record TlsSecurity(
    Path keyStore,
    String keyStorePassword,
    Path trustStore,
    String trustStorePassword,
    Path adminKeyStore,
    String adminKeyStorePassword) {

  public TlsSecurity {
    Objects.requireNonNull(keyStore, "keyStore");
    Objects.requireNonNull(keyStorePassword, "keyStorePassword");
    Objects.requireNonNull(trustStore, "trustStore");
    Objects.requireNonNull(trustStorePassword, "trustStorePassword");
    Objects.requireNonNull(adminKeyStore, "adminKeyStore");
    Objects.requireNonNull(adminKeyStorePassword, "adminKeyStorePassword");
  }

  /** The principal the broker's certificate maps to, e.g. {@code User:broker}. */
  public String brokerPrincipal() {
    return "User:" + commonName(keyStore, keyStorePassword);
  }

  /** The principal of the admin certificate, a super user. */
  public String adminPrincipal() {
    return "User:" + commonName(adminKeyStore, adminKeyStorePassword);
  }

  /** Passwords stay out of logs and exceptions. */
  @Override
  public String toString() {
    return "TlsSecurity[keyStore="
        + keyStore
        + ", trustStore="
        + trustStore
        + ", adminKeyStore="
        + adminKeyStore
        + "]";
  }

  /** The CN of the first key entry's certificate. */
  static String commonName(Path store, String password) {
    try (InputStream in = Files.newInputStream(store)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          X509Certificate cert = (X509Certificate) ks.getCertificate(alias);
          for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
            if (rdn.getType().equalsIgnoreCase("CN")) {
              return rdn.getValue().toString();
            }
          }
        }
      }
      throw new EmbeddedKafkaException("Key store " + store + " holds no key with a CN");
    } catch (IOException | GeneralSecurityException | InvalidNameException e) {
      // the message of a wrong password names no password
      throw new EmbeddedKafkaException("Cannot read key store " + store + ": " + e.getMessage(), e);
    }
  }
}
