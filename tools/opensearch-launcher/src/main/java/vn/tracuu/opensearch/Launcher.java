package vn.tracuu.opensearch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.logging.log4j.LogManager;
import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * Starts one real OpenSearch 2.19 node from the jars on the class path, for tracuu's development
 * cluster, its tests and CI (scripts/opensearch-cluster.sh starts 1 to 3 of them).
 *
 * <p>A distribution loads its modules from modules/ in separate class loaders; here the two
 * modules tracuu needs (netty4 for HTTP and transport, analysis-common for the whitespace
 * tokenizer and ASCII folding) are plain classes handed to Node's protected constructor, the way
 * OpenSearch's own test MockNode does it. plugins/ and modules/ stay empty.
 *
 * <p>Settings come as {@code -Ekey=value} arguments, like the opensearch command. Defaults keep the
 * node on loopback with plain HTTP (no security plugin). SIGTERM closes the node cleanly.
 */
public final class Launcher {

    /** Node through its protected constructor, with the plugin classes on the class path. */
    static final class ClasspathNode extends Node {
        ClasspathNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    static final List<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        // Log4j's own shutdown hook would stop logging before the node has said it closed.
        System.setProperty("log4j.shutdownHookEnabled", System.getProperty("log4j.shutdownHookEnabled", "false"));
        // Netty must not pin the processor count globally (matters when nodes share a JVM).
        System.setProperty("opensearch.set.netty.runtime.available.processors",
                System.getProperty("opensearch.set.netty.runtime.available.processors", "false"));
        Settings settings;
        try {
            settings = settings(args);
        } catch (IllegalArgumentException e) {
            System.err.println("tracuu-opensearch-launcher: " + e.getMessage());
            System.err.println("usage: java -cp 'launcher.jar:lib/*' vn.tracuu.opensearch.Launcher "
                    + "-Epath.home=DIR [-Ecluster.name=N] [-Enode.name=N] [-Ehttp.port=9200] [-Etransport.port=9300] "
                    + "[-Ediscovery.type=single-node | -Ediscovery.seed_hosts=H:P,... "
                    + "-Ecluster.initial_cluster_manager_nodes=N,...] [-Ekey=value ...]");
            System.exit(64);
            return;
        }
        String nodeName = settings.get("node.name", "tracuu-node");
        Path home = Paths.get(settings.get("path.home"));
        // A distribution's layout, kept empty: every plugin comes from the class path.
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("plugins"));
        Files.createDirectories(home.resolve("modules"));

        Path logConfig = home.resolve("config").resolve("log4j2.properties");
        if (Files.notExists(logConfig)) {
            try (InputStream in = Launcher.class.getResourceAsStream("log4j2.properties")) {
                Files.copy(in, logConfig);
            }
        }

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
                settings, Map.of(), home.resolve("config"), () -> nodeName);
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName(nodeName);
        // Console logging; the cluster script sends it to DIR/<node>.log.
        LogConfigurator.configure(environment);
        Node node = new ClasspathNode(environment, PLUGINS);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            // SIGTERM / SIGINT: flush and close shards, leave the cluster, then let the JVM exit.
            try {
                node.close();
                if (!node.awaitClose(30, TimeUnit.SECONDS)) {
                    System.err.println("tracuu-opensearch-launcher: node did not close within 30 s");
                }
            } catch (IOException | InterruptedException e) {
                System.err.println("tracuu-opensearch-launcher: error while closing: " + e);
            } finally {
                System.out.println("tracuu-opensearch-launcher: node " + nodeName + " closed");
                LogManager.shutdown();
                stopped.countDown();
            }
        }, "tracuu-node-shutdown"));

        try {
            node.start();
        } catch (Exception e) {
            System.err.println("tracuu-opensearch-launcher: node failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
        }
        System.out.println("tracuu-opensearch-launcher: node " + nodeName + " started");
        stopped.await();
    }

    /** Defaults for a local node, then the -Ekey=value arguments over them. */
    static Settings settings(String[] args) {
        Settings.Builder builder = Settings.builder()
                .put("cluster.name", "tracuu-dev")
                .put("network.host", "127.0.0.1")
                .put("http.port", "9200")
                .put("transport.port", "9300")
                // A shared development disk may be fuller than the production watermarks allow.
                .put("cluster.routing.allocation.disk.threshold_enabled", "false");
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            if (arg.startsWith("-E") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                builder.put(arg.substring(2, eq), arg.substring(eq + 1));
            } else {
                unknown.add(arg);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown arguments " + unknown);
        }
        Settings settings = builder.build();
        if (settings.get("path.home") == null) {
            throw new IllegalArgumentException("-Epath.home=DIR is required");
        }
        if ("single-node".equals(settings.get("discovery.type"))
                && (settings.get("cluster.initial_cluster_manager_nodes") != null
                    || settings.get("cluster.initial_master_nodes") != null)) {
            throw new IllegalArgumentException(
                    "discovery.type=single-node cannot be combined with cluster.initial_cluster_manager_nodes");
        }
        return settings;
    }
}
