package io.pagedstream.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

/**
 * The Confluent Schema Registry endpoints the client uses, on 127.0.0.1, answering from an {@link
 * InMemorySchemaRegistry} and with Confluent's error bodies. Counts requests so tests can see the
 * client's caching.
 */
final class FakeRegistryServer implements AutoCloseable {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern REGISTER = Pattern.compile("/subjects/([^/]+)/versions");
  private static final Pattern LOOKUP = Pattern.compile("/subjects/([^/]+)");
  private static final Pattern BY_ID = Pattern.compile("/schemas/ids/(\\d+)");
  private static final Pattern LATEST = Pattern.compile("/subjects/([^/]+)/versions/latest");

  final InMemorySchemaRegistry backing = new InMemorySchemaRegistry();
  private final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  private final HttpServer server;
  private volatile String requiredAuthorization;
  private volatile int forcedStatus;

  private FakeRegistryServer(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.start();
  }

  static FakeRegistryServer http() throws IOException {
    return new FakeRegistryServer(HttpServer.create(address(), 0));
  }

  static FakeRegistryServer https(SSLContext context) throws IOException {
    HttpsServer server = HttpsServer.create(address(), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(context));
    return new FakeRegistryServer(server);
  }

  private static InetSocketAddress address() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  String url() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return scheme + "://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Answers 401 unless the request carries basic auth with these credentials. */
  void requireBasicAuth(String user, String password) {
    requiredAuthorization =
        "Basic "
            + java.util.Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /** Answers every request with this status and a non-JSON body, like a failing proxy. */
  void failWith(int status) {
    forcedStatus = status;
  }

  /** How many requests came for {@code "METHOD /path"}. */
  int requests(String methodAndPath) {
    AtomicInteger count = requests.get(methodAndPath);
    return count == null ? 0 : count.get();
  }

  int totalRequests() {
    return requests.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String path = exchange.getRequestURI().getRawPath();
      requests.computeIfAbsent(method + " " + path, k -> new AtomicInteger()).incrementAndGet();
      if (forcedStatus != 0) {
        send(exchange, forcedStatus, "<html><body>upstream\nunavailable</body></html>");
        return;
      }
      String authorization = requiredAuthorization;
      if (authorization != null
          && !authorization.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
        sendError(exchange, 401, 401, "Unauthorized");
        return;
      }
      if ("POST".equals(method)
          && !HttpSchemaRegistry.CONTENT_TYPE.equals(
              exchange.getRequestHeaders().getFirst("Content-Type"))) {
        sendError(exchange, 415, 415, "Unsupported content type");
        return;
      }
      try {
        send(exchange, 200, route(method, path, exchange).toString());
      } catch (SchemaRegistryException e) {
        sendError(exchange, e.status(), e.errorCode(), e.getMessage());
      } catch (SchemaParseException e) {
        sendError(exchange, 422, SchemaRegistryException.INVALID_SCHEMA, "Invalid schema");
      }
    }
  }

  private JsonNode route(String method, String path, HttpExchange exchange) throws IOException {
    Matcher m;
    ObjectNode answer = JSON.createObjectNode();
    if ("POST".equals(method) && (m = REGISTER.matcher(path)).matches()) {
      return answer.put("id", backing.register(subject(m), schemaIn(exchange)));
    }
    if ("POST".equals(method) && (m = LOOKUP.matcher(path)).matches()) {
      Schema schema = schemaIn(exchange);
      int id = backing.lookup(subject(m), schema);
      return answer.put("subject", subject(m)).put("id", id).put("schema", schema.toString());
    }
    if ("GET".equals(method) && (m = BY_ID.matcher(path)).matches()) {
      return answer.put("schema", backing.schemaById(Integer.parseInt(m.group(1))).toString());
    }
    if ("GET".equals(method) && (m = LATEST.matcher(path)).matches()) {
      RegisteredSchema latest = backing.latest(subject(m));
      return answer
          .put("subject", latest.subject())
          .put("version", latest.version())
          .put("id", latest.id())
          .put("schema", latest.schema().toString());
    }
    throw new SchemaRegistryException("HTTP 404 Not Found", 404, 404);
  }

  private static String subject(Matcher m) {
    return URLDecoder.decode(m.group(1), StandardCharsets.UTF_8);
  }

  private static Schema schemaIn(HttpExchange exchange) throws IOException {
    JsonNode body = JSON.readTree(exchange.getRequestBody());
    return new Schema.Parser().parse(body.path("schema").asText());
  }

  private static void sendError(HttpExchange exchange, int status, int code, String message)
      throws IOException {
    send(
        exchange,
        status,
        JSON.createObjectNode().put("error_code", code).put("message", message).toString());
  }

  private static void send(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", HttpSchemaRegistry.CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
