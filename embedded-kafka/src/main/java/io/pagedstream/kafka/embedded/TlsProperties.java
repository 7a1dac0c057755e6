package io.pagedstream.kafka.embedded;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Translates {@link TlsSecurity} into broker and client configuration. */
final class TlsProperties {

  static final String PROTOCOL = "SSL";

  /**
   * {@code CN=ingest} (the whole DN of the test certificates) is the principal {@code User:ingest}.
   */
  static final String PRINCIPAL_RULES = "RULE:^CN=([^,]+)$/$1/,DEFAULT";

  private TlsProperties() {}

  /**
   * Settings for every listener: this node's identity, whom it trusts, client certificates
   * required, ACLs on.
   */
  static Map<String, String> broker(TlsSecurity tls) {
    Map<String, String> p =
        new LinkedHashMap<>(
            stores(
                tls.keyStore(),
                tls.keyStorePassword(),
                tls.trustStore(),
                tls.trustStorePassword()));
    p.put("ssl.client.auth", "required");
    p.put("ssl.principal.mapping.rules", PRINCIPAL_RULES);
    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("allow.everyone.if.no.acl.found", "false");
    // the broker's own certificate: it talks to its controller listener and to itself as a client
    p.put("super.users", tls.brokerPrincipal() + ";" + tls.adminPrincipal());
    return p;
  }

  /** What a client needs to connect with the certificate in {@code keyStore}. */
  static Map<String, Object> client(
      Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {
    Map<String, Object> p =
        new LinkedHashMap<>(stores(keyStore, keyStorePassword, trustStore, trustStorePassword));
    p.put("security.protocol", PROTOCOL);
    return p;
  }

  private static Map<String, String> stores(
      Path keyStore, String keyStorePassword, Path trustStore, String trustStorePassword) {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("ssl.keystore.type", "PKCS12");
    p.put("ssl.keystore.location", keyStore.toAbsolutePath().toString());
    p.put("ssl.keystore.password", keyStorePassword);
    p.put("ssl.key.password", keyStorePassword);
    p.put("ssl.truststore.type", "PKCS12");
    p.put("ssl.truststore.location", trustStore.toAbsolutePath().toString());
    p.put("ssl.truststore.password", trustStorePassword);
    return p;
  }
}
