package io.pagedstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client for the Confluent Schema Registry REST API (also served by Apicurio's ccompat API,
 * Redpanda and Karapace), written on {@link HttpClient} because Confluent's client library is not
 * on Maven Central.
 *
 * <p>Schema ids are immutable, so both directions are cached for the life of the client: a
 * subject/schema pair costs one request, an id one request, and a schema registered by this client
 * costs no request at all to read back. URLs are tried in order; the next one is tried when one
 * cannot be reached or answers 5xx. Credentials are sent as an {@code Authorization} header and
 * never logged or put in messages.
 */
public final class HttpSchemaRegistry implements SchemaRegistry {

  static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final String ACCEPT =
      CONTENT_TYPE + ", application/vnd.schemaregistry+json; q=0.9, application/json; q=0.5";
  private static final Logger LOG = LoggerFactory.getLogger(HttpSchemaRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A registry base URL with its credentials split off, so the URL itself can be printed. */
  private record Endpoint(String baseUrl, String authorization) {
    @Override
    public String toString() {
      return baseUrl;
    }
  }

  private record SubjectSchema(String subject, Schema schema) {}

  private final List<Endpoint> endpoints;
  private final HttpClient http;
  private final SchemaRegistryConfig config;
  private final ConcurrentMap<Integer, Schema> schemasById = new ConcurrentHashMap<>();
  private final ConcurrentMap<SubjectSchema, Integer> idsBySubjectSchema =
      new ConcurrentHashMap<>();

  public HttpSchemaRegistry(SchemaRegistryConfig config) {
    if (config.urls().isEmpty()) {
      throw new ConfigException(SchemaRegistryConfig.URL + " is empty");
    }
    this.config = config;
    this.endpoints = config.urls().stream().map(u -> endpoint(u, config.userInfo())).toList();
    HttpClient.Builder builder =
        HttpClient.newBuilder()
            .version(
                HttpClient.Version.HTTP_1_1) // registries speak 1.1; skip the h2c upgrade dance
            .connectTimeout(config.connectTimeout());
    if (config.truststoreLocation() != null) {
      builder.sslContext(sslContext(config));
    }
    this.http = builder.build();
  }

  @Override
  public int register(String subject, Schema schema) {
    return idFor(subject, schema, "/subjects/" + encode(subject) + "/versions");
  }

  @Override
  public int lookup(String subject, Schema schema) {
    return idFor(subject, schema, "/subjects/" + encode(subject));
  }

  private int idFor(String subject, Schema schema, String path) {
    SubjectSchema key = new SubjectSchema(subject, schema);
    Integer cached = idsBySubjectSchema.get(key);
    if (cached != null) {
      return cached;
    }
    String body = JSON.createObjectNode().put("schema", schema.toString()).toString();
    int id = call("POST", path, body).path("id").asInt(-1);
    if (id < 0) {
      throw new SchemaRegistryException(
          "Schema registry answered POST " + path + " without a schema id", 200, -1);
    }
    idsBySubjectSchema.put(key, id);
    schemasById.putIfAbsent(id, schema);
    return id;
  }

  @Override
  public Schema schemaById(int id) {
    Schema cached = schemasById.get(id);
    if (cached != null) {
      return cached;
    }
    Schema schema = parseSchema(call("GET", "/schemas/ids/" + id, null), "/schemas/ids/" + id);
    Schema previous = schemasById.putIfAbsent(id, schema);
    return previous != null ? previous : schema;
  }

  @Override
  public RegisteredSchema latest(String subject) {
    String path = "/subjects/" + encode(subject) + "/versions/latest";
    JsonNode answer = call("GET", path, null);
    return new RegisteredSchema(
        subject,
        answer.path("version").asInt(),
        answer.path("id").asInt(),
        parseSchema(answer, path));
  }

  private static Schema parseSchema(JsonNode answer, String path) {
    String type = answer.path("schemaType").asText("AVRO");
    if (!"AVRO".equals(type)) {
      throw new SchemaRegistryException(
          "Schema at " + path + " is " + type + ", not AVRO", 200, -1);
    }
    try {
      return new Schema.Parser().parse(answer.path("schema").asText());
    } catch (RuntimeException e) {
      throw new SchemaRegistryException(
          "Schema registry returned an unparsable schema for " + path + ": " + e.getMessage(),
          200,
          SchemaRegistryException.INVALID_SCHEMA,
          e);
    }
  }

  /** Sends one call, trying the URLs in order, and returns the JSON answer of the first success. */
  private JsonNode call(String method, String path, String body) {
    SchemaRegistryException failure = null;
    for (Endpoint endpoint : endpoints) {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(URI.create(endpoint.baseUrl() + path))
              .timeout(config.requestTimeout())
              .header("Accept", ACCEPT)
              .method(
                  method,
                  body == null
                      ? HttpRequest.BodyPublishers.noBody()
                      : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
      if (body != null) {
        request.header("Content-Type", CONTENT_TYPE);
      }
      if (endpoint.authorization() != null) {
        request.header("Authorization", endpoint.authorization());
      }
      HttpResponse<byte[]> response;
      try {
        response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (IOException e) {
        failure =
            new SchemaRegistryException(
                "Schema registry "
                    + endpoint.baseUrl()
                    + " unreachable for "
                    + method
                    + " "
                    + path
                    + ": "
                    + e,
                0,
                SchemaRegistryException.UNREACHABLE,
                e);
        LOG.warn("{}", failure.getMessage());
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new SchemaRegistryException(
            "Interrupted during " + method + " " + path, 0, SchemaRegistryException.UNREACHABLE, e);
      }
      int status = response.statusCode();
      if (status / 100 == 2) {
        return readJson(response.body(), endpoint, method, path);
      }
      failure = error(response, endpoint, method, path);
      if (status < 500) {
        throw failure; // the registry understood and said no: another node would say the same
      }
      LOG.warn("{}", failure.getMessage());
    }
    throw failure;
  }

  private static JsonNode readJson(byte[] body, Endpoint endpoint, String method, String path) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new SchemaRegistryException(
          "Schema registry "
              + endpoint.baseUrl()
              + " answered "
              + method
              + " "
              + path
              + " with a body that is not JSON: "
              + snippet(body),
          200,
          -1);
    }
  }

  /** Turns a Confluent error body ({@code error_code}, {@code message}), or any body, into one. */
  private static SchemaRegistryException error(
      HttpResponse<byte[]> response, Endpoint endpoint, String method, String path) {
    int status = response.statusCode();
    int code = status;
    String message;
    try {
      JsonNode json = JSON.readTree(response.body());
      code = json.path("error_code").asInt(status);
      message = json.path("message").asText(snippet(response.body()));
    } catch (IOException | RuntimeException e) {
      message = snippet(response.body());
    }
    String hint =
        switch (status) {
          case 401 -> " (check " + SchemaRegistryConfig.USER_INFO + ")";
          case 403 -> " (the credentials lack permission)";
          default -> "";
        };
    return new SchemaRegistryException(
        "Schema registry "
            + endpoint.baseUrl()
            + " answered "
            + method
            + " "
            + path
            + " with HTTP "
            + status
            + ", error "
            + code
            + ": "
            + message
            + hint,
        status,
        code);
  }

  /** The start of a response body on one line, for messages. */
  private static String snippet(byte[] body) {
    String text = new String(body, StandardCharsets.UTF_8).replaceAll("\\s+", " ").trim();
    if (text.isEmpty()) {
      return "(empty body)";
    }
    return text.length() > 200 ? text.substring(0, 200) + "…" : text;
  }

  private static String encode(String subject) {
    return URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /** Splits user info out of the URL; {@code basic.auth.user.info} takes precedence over it. */
  private static Endpoint endpoint(String url, String userInfo) {
    URI uri = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    String scheme = uri.getScheme();
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      throw new ConfigException(
          SchemaRegistryConfig.URL
              + " must be http(s):// or mock://, got "
              + SchemaRegistryConfig.redact(url));
    }
    String credentials = userInfo != null ? userInfo : uri.getUserInfo();
    String base = SchemaRegistryConfig.redact(uri.toString());
    return new Endpoint(
        base,
        credentials == null
            ? null
            : "Basic "
                + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
  }

  private static SSLContext sslContext(SchemaRegistryConfig config) {
    String location = config.truststoreLocation();
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      KeyStore trustStore = KeyStore.getInstance(config.truststoreType());
      String password = config.truststorePassword();
      trustStore.load(in, password == null ? null : password.toCharArray());
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trustStore);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      // e's message names the file or the format problem, never the password
      throw new ConfigException(
          "Cannot load "
              + SchemaRegistryConfig.TRUSTSTORE_LOCATION
              + " "
              + location
              + " as "
              + config.truststoreType()
              + ": "
              + e);
    }
  }

  /** Only the URLs, without any credentials. */
  @Override
  public String toString() {
    List<String> urls = new ArrayList<>();
    endpoints.forEach(e -> urls.add(e.baseUrl()));
    return "HttpSchemaRegistry" + urls;
  }
}
