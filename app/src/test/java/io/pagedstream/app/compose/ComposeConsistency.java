package io.pagedstream.app.compose;

import io.pagedstream.app.PagedStream;
import io.pagedstream.kafka.embedded.EmbeddedKafkaCluster;
import io.pagedstream.schemas.Replication;
import io.pagedstream.schemas.TopicSpec;
import io.pagedstream.schemas.Topics;
import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.utils.AppInfoParser;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;

/**
 * Compares the compose deployment with the code, since nothing here can run it: the topics that
 * {@code create-topics.sh} makes against {@link Topics#ALL}, the brokers' replication settings
 * against {@link Replication#PRODUCTION} and the embedded cluster, the Kafka image against the
 * client library's version, and every PagedStream service's command line against the real launcher
 * (a real subcommand with real options). Each disagreement is one line of {@link #problems}.
 */
final class ComposeConsistency {

  private static final Pattern DEFAULTED = Pattern.compile("\\$\\{([A-Z_]+):-([^}]*)}");
  private static final Pattern CREATE = Pattern.compile("^create\\s+(\\S+)\\s+(\\S+)(.*)$");
  private static final String LAUNCHER = "/app/pagedstream.jar";

  private final Map<String, Object> compose;
  private final String createTopics;
  private final String connectWorker;
  private final List<String> problems = new ArrayList<>();

  private ComposeConsistency(
      String composeYaml, String createTopicsScript, String connectWorkerProperties) {
    this.compose = new Yaml(new SafeConstructor(new LoaderOptions())).load(composeYaml);
    this.createTopics = createTopicsScript;
    this.connectWorker = connectWorkerProperties;
  }

  /** Every disagreement found, one line each; empty when the files agree with the code. */
  static List<String> problems(
      String composeYaml, String createTopicsScript, String connectWorkerProperties) {
    ComposeConsistency c =
        new ComposeConsistency(composeYaml, createTopicsScript, connectWorkerProperties);
    c.checkTopics();
    c.checkBrokers();
    c.checkServices();
    c.checkConnectWorker();
    return List.copyOf(c.problems);
  }

  // --- topics -------------------------------------------------------------------------------

  private void checkTopics() {
    Map<String, TopicSpec> scripted = new LinkedHashMap<>();
    for (String line : createTopics.lines().map(String::strip).toList()) {
      Matcher m = CREATE.matcher(line);
      if (!m.matches() || line.startsWith("create()")) {
        continue;
      }
      String count = m.group(2).replace("\"", "");
      int partitions = count.equals("$partitions") ? TopicSpec.SCALED : Integer.parseInt(count);
      Map<String, String> configs = new TreeMap<>();
      for (String setting : m.group(3).strip().split("\\s+")) {
        if (!setting.isEmpty()) {
          String[] kv = setting.split("=", 2);
          configs.put(kv[0], kv[1]);
        }
      }
      scripted.put(m.group(1), new TopicSpec(m.group(1), partitions, configs));
    }
    for (TopicSpec spec : Topics.ALL) {
      TopicSpec s = scripted.remove(spec.name());
      if (s == null) {
        problems.add("create-topics.sh does not create " + spec.name());
        continue;
      }
      if (s.fixedPartitions() != spec.fixedPartitions()) {
        problems.add(
            "create-topics.sh gives "
                + spec.name()
                + " "
                + partitionsText(s)
                + " partitions, the code "
                + partitionsText(spec));
      }
      if (!new TreeMap<>(s.configs()).equals(new TreeMap<>(spec.configs()))) {
        problems.add(
            "create-topics.sh sets "
                + new TreeMap<>(s.configs())
                + " on "
                + spec.name()
                + ", the code "
                + new TreeMap<>(spec.configs()));
      }
    }
    scripted
        .keySet()
        .forEach(
            t -> problems.add("create-topics.sh creates " + t + ", which is not in Topics.ALL"));

    Replication production = Replication.PRODUCTION;
    expectIn(
        createTopics,
        "--config min.insync.replicas=" + production.minInsyncReplicas(),
        "create-topics.sh's min.insync.replicas");
    expectIn(
        createTopics,
        "replicas=\"${REPLICATION_FACTOR:-" + production.factor() + "}\"",
        "create-topics.sh's replication factor");
  }

  private static String partitionsText(TopicSpec t) {
    return t.scaled() ? "the scaled number of" : Integer.toString(t.fixedPartitions());
  }

  // --- brokers ------------------------------------------------------------------------------

  private void checkBrokers() {
    Map<String, Map<String, Object>> brokers = new TreeMap<>();
    services()
        .forEach(
            (name, service) -> {
              if (name.matches("kafka-\\d+")) {
                brokers.put(name, service);
              }
            });
    if (brokers.isEmpty()) {
      problems.add("docker-compose.yml has no kafka-N broker services");
      return;
    }
    Replication production = Replication.PRODUCTION;
    if (EmbeddedKafkaCluster.replicationFactorFor(brokers.size()) != production.factor()
        || EmbeddedKafkaCluster.minInsyncReplicasFor(brokers.size())
            != production.minInsyncReplicas()
        || !Replication.forBrokers(brokers.size()).equals(production)) {
      problems.add(
          "the embedded cluster of "
              + brokers.size()
              + " brokers does not replicate as Replication.PRODUCTION "
              + production);
    }
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("KAFKA_DEFAULT_REPLICATION_FACTOR", Integer.toString(production.factor()));
    expected.put("KAFKA_MIN_INSYNC_REPLICAS", Integer.toString(production.minInsyncReplicas()));
    expected.put("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", Integer.toString(production.factor()));
    expected.put(
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", Integer.toString(production.factor()));
    expected.put(
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", Integer.toString(production.minInsyncReplicas()));
    expected.put("KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE", "false");
    String kafkaVersion = AppInfoParser.getVersion();
    List<String> internalAddresses = new ArrayList<>();
    brokers.forEach(
        (name, service) -> {
          Map<String, Object> env = map(service.get("environment"));
          expected.forEach(
              (key, value) -> {
                if (!value.equals(String.valueOf(env.get(key)))) {
                  problems.add(name + " sets " + key + "=" + env.get(key) + ", the code " + value);
                }
              });
          String voters = String.valueOf(env.get("KAFKA_CONTROLLER_QUORUM_VOTERS"));
          if (voters.split(",").length != brokers.size()) {
            problems.add(
                name
                    + "'s controller quorum "
                    + voters
                    + " is not the "
                    + brokers.size()
                    + " brokers");
          }
          if (!voters.contains(env.get("KAFKA_NODE_ID") + "@" + name + ":")) {
            problems.add(
                name + " (node " + env.get("KAFKA_NODE_ID") + ") is not a voter of " + voters);
          }
          expectImage(name, service, kafkaVersion);
          Matcher internal =
              Pattern.compile("INTERNAL://([^,]+)")
                  .matcher(String.valueOf(env.get("KAFKA_ADVERTISED_LISTENERS")));
          if (internal.find()) {
            internalAddresses.add(internal.group(1));
          }
        });
    for (String other : List.of("kafka-init", "connect")) {
      expectImage(other, map(services().get(other)), kafkaVersion);
    }
    String bootstrap = String.join(",", internalAddresses);
    services()
        .forEach(
            (name, service) -> {
              List<String> args = launcherArguments(service);
              int i = args.indexOf("--bootstrap-servers");
              if (i >= 0 && !args.get(i + 1).equals(bootstrap)) {
                problems.add(
                    name
                        + " bootstraps from "
                        + args.get(i + 1)
                        + ", not the brokers "
                        + bootstrap);
              }
            });
    Object registryRf =
        map(map(services().get("schema-registry")).get("environment"))
            .get("SCHEMA_REGISTRY_KAFKASTORE_TOPIC_REPLICATION_FACTOR");
    if (!Integer.toString(production.factor()).equals(String.valueOf(registryRf))) {
      problems.add(
          "schema-registry's _schemas topic has replication "
              + registryRf
              + ", not "
              + production.factor());
    }
  }

  private void expectImage(String service, Map<String, Object> definition, String kafkaVersion) {
    String image = resolve(String.valueOf(definition.get("image")));
    if (!image.equals("apache/kafka:" + kafkaVersion)) {
      problems.add(service + " runs " + image + ", but the code uses Kafka " + kafkaVersion);
    }
  }

  // --- PagedStream services -----------------------------------------------------------------

  private void checkServices() {
    int launched = 0;
    for (Map.Entry<String, Map<String, Object>> e : services().entrySet()) {
      List<String> args = launcherArguments(e.getValue());
      if (args.isEmpty()) {
        continue;
      }
      launched++;
      try {
        CommandLine.ParseResult parsed =
            PagedStream.commandLine().parseArgs(args.toArray(String[]::new));
        if (!parsed.hasSubcommand()) {
          problems.add(e.getKey() + " runs the launcher without a subcommand: " + args);
        }
      } catch (CommandLine.ParameterException ex) {
        problems.add(
            e.getKey()
                + " runs `pagedstream "
                + String.join(" ", args)
                + "`, which the launcher refuses: "
                + ex.getMessage());
      }
    }
    if (launched == 0) {
      problems.add("docker-compose.yml starts no PagedStream service");
    }
  }

  /**
   * What follows {@code java -jar /app/pagedstream.jar} in a service's entrypoint and command,
   * defaults filled in.
   */
  private static List<String> launcherArguments(Map<String, Object> service) {
    List<String> line = new ArrayList<>();
    line.addAll(words(service.get("entrypoint")));
    line.addAll(words(service.get("command")));
    int jar = line.indexOf(LAUNCHER);
    if (jar < 0) {
      return List.of();
    }
    return line.subList(jar + 1, line.size()).stream().map(ComposeConsistency::resolve).toList();
  }

  private static List<String> words(Object value) {
    if (value == null) {
      return List.of();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(String::valueOf).toList();
    }
    return Arrays.asList(String.valueOf(value).strip().split("\\s+"));
  }

  // --- Connect ------------------------------------------------------------------------------

  private void checkConnectWorker() {
    Properties p = new Properties();
    try {
      p.load(new StringReader(connectWorker));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    for (String key :
        List.of(
            "config.storage.replication.factor",
            "offset.storage.replication.factor",
            "status.storage.replication.factor")) {
      if (!Objects.equals(p.getProperty(key), Integer.toString(Replication.PRODUCTION.factor()))) {
        problems.add(
            "connect-distributed.properties sets "
                + key
                + "="
                + p.getProperty(key)
                + ", not "
                + Replication.PRODUCTION.factor());
      }
    }
  }

  // --- helpers ------------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private Map<String, Map<String, Object>> services() {
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** {@code ${VAR:-default}} as compose resolves it with VAR unset. */
  static String resolve(String s) {
    return DEFAULTED.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(2)));
  }

  private void expectIn(String text, String needle, String what) {
    if (!text.contains(needle)) {
      problems.add(what + " is not `" + needle + "`");
    }
  }
}
