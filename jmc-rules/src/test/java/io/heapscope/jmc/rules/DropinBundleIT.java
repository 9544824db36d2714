package io.heapscope.jmc.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.RunnableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmc.common.item.IItem;
import org.openjdk.jmc.flightrecorder.JfrLoaderToolkit;
import org.openjdk.jmc.flightrecorder.rules.IRule;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.framework.wiring.BundleWiring;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * The dropin jar in an OSGi framework (Equinox, as in the JMC app) beside JMC 9.1.2's own bundles and Eclipse's
 * extension registry: it resolves against them; the registry finds its contribution to JMC's {@code ruleProvider}
 * extension point (declared by JMC's rules bundle); the service loader on the contributor's bundle class loader, which
 * is what JMC's {@code ExtensionRuleProvider} does, finds the seven rules; one rule then evaluates a recording with
 * JMC's parser, all classes from the bundles.
 */
class DropinBundleIT {
    @TempDir
    Path dir;

    private static String location(Class<?> c) throws URISyntaxException {
        return c.getProtectionDomain().getCodeSource().getLocation().toURI().toString();
    }

    @Test
    void dropinContributesToJmcsRuleProviderAndItsRulesLoadAndRun() throws Exception {
        Path recording = RuleReports.record(dir.resolve("churn.jfr"), Workloads::gcChurn);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).findFirst().orElseThrow();
        Framework framework = factory.newFramework(Map.of(Constants.FRAMEWORK_STORAGE, dir.resolve("osgi").toString(),
                Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT));
        framework.start();
        try {
            BundleContext ctx = framework.getBundleContext();
            Map<String, Bundle> bundles = new TreeMap<>();
            for (String loc : List.of(location(org.owasp.encoder.Encode.class),
                    location(net.jpountz.lz4.LZ4Factory.class), location(IItem.class),
                    location(JfrLoaderToolkit.class), location(IRule.class),
                    location(org.eclipse.core.runtime.IExtensionRegistry.class),
                    location(org.eclipse.core.runtime.IProgressMonitor.class),
                    new File(System.getProperty("heapscope.jmc.dropin.jar")).toURI().toString())) {
                Bundle b = ctx.installBundle(loc);
                bundles.put(b.getSymbolicName(), b);
            }
            assertTrue(framework.adapt(FrameworkWiring.class).resolveBundles(null), () -> "unresolved: " + bundles);
            Bundle ours = bundles.get("io.heapscope.jmc.rules");
            assertNotNull(ours, bundles::toString);
            ours.start();
            assertEquals(Bundle.ACTIVE, ours.getState());

            // the extension registry reads plugin.xml: the dropin contributes to JMC's ruleProvider extension point,
            // and JMC's ExtensionRuleProvider takes the contributor's bundle class loader from there
            Bundle registryBundle = bundles.get("org.eclipse.equinox.registry");
            registryBundle.start();
            // all references, unchecked: the test's class path also has the registry's classes, which the
            // framework's own class space would otherwise consider a different package
            ServiceReference<?>[] refs = ctx.getAllServiceReferences("org.eclipse.core.runtime.IExtensionRegistry",
                    null);
            assertNotNull(refs, "extension registry service");
            ServiceReference<?> ref = refs[0];
            Object registry = ctx.getService(ref);
            Class<?> registryType = registryBundle.loadClass("org.eclipse.core.runtime.IExtensionRegistry");
            Class<?> elementType = registryBundle.loadClass("org.eclipse.core.runtime.IConfigurationElement");
            Class<?> contributorType = registryBundle.loadClass("org.eclipse.core.runtime.IContributor");
            Object[] elements = (Object[]) registryType.getMethod("getConfigurationElementsFor", String.class)
                    .invoke(registry, "org.openjdk.jmc.flightrecorder.rules.ruleProvider");
            List<String> contributors = new ArrayList<>();
            for (Object element : elements) {
                Object contributor = elementType.getMethod("getContributor").invoke(element);
                contributors.add((String) contributorType.getMethod("getName").invoke(contributor));
            }
            assertEquals(List.of("io.heapscope.jmc.rules"), contributors);

            Bundle rulesApi = bundles.get("org.openjdk.jmc.flightrecorder.rules");
            Class<?> iRule = rulesApi.loadClass("org.openjdk.jmc.flightrecorder.rules.IRule");
            ClassLoader loader = bundles.get(contributors.get(0)).adapt(BundleWiring.class).getClassLoader();
            List<Object> rules = new ArrayList<>();
            for (Object r : ServiceLoader.load(iRule, loader)) {
                rules.add(r);
            }
            assertEquals(HeapscopeRulesTest.IDS.size(), rules.size(), rules::toString);
            Method getId = iRule.getMethod("getId");
            Object churn = null;
            for (Object r : rules) {
                assertSame(loader, r.getClass().getClassLoader(), "rule classes come from the dropin bundle");
                if (GcChurnRule.ID.equals(getId.invoke(r))) {
                    churn = r;
                }
            }
            assertNotNull(churn);

            Bundle common = bundles.get("org.openjdk.jmc.common");
            Class<?> items = common.loadClass("org.openjdk.jmc.common.item.IItemCollection");
            Class<?> prefs = common.loadClass("org.openjdk.jmc.common.util.IPreferenceValueProvider");
            Class<?> resultValues = rulesApi.loadClass("org.openjdk.jmc.flightrecorder.rules.IResultValueProvider");
            Class<?> iResult = rulesApi.loadClass("org.openjdk.jmc.flightrecorder.rules.IResult");
            Object events = bundles.get("org.openjdk.jmc.flightrecorder")
                    .loadClass("org.openjdk.jmc.flightrecorder.JfrLoaderToolkit").getMethod("loadEvents", File.class)
                    .invoke(null, recording.toFile());
            RunnableFuture<?> evaluation = (RunnableFuture<?>) iRule
                    .getMethod("createEvaluation", items, prefs, resultValues)
                    .invoke(churn, events, prefs.getField("DEFAULT_VALUES").get(null), null);
            evaluation.run();
            Object result = evaluation.get();
            assertEquals("WARNING", iResult.getMethod("getSeverity").invoke(result).toString());
            assertTrue(((String) iResult.getMethod("getSummary").invoke(result))
                    .contains("10 cached buffers (160 MiB)"));
        } finally {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }
}
