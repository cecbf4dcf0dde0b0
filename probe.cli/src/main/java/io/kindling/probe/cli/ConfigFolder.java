package io.kindling.probe.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

/**
 * The folder of configuration files that {@code replay} and {@code live} take with {@code --config}:
 * the format of the shell's {@code config/} ({@code PID.cfg}, or {@code FACTORY_PID-NAME.cfg} for one
 * more factory configuration; Java properties, or Felix's typed {@code .config}). Felix FileInstall reads
 * and watches it, as it does the shell's, so the folder must be the one FileInstall was started on
 * (bin/probe and the node image's entry point run the probe's shell jar with
 * {@code -Dfelix.fileinstall.dir=DIR}); this class finds the folder's files and the configurations
 * FileInstall made of them.
 */
final class ConfigFolder {

    /** Framework property: the folders FileInstall watches, comma-separated. */
    static final String WATCHED = "felix.fileinstall.dir";
    /** Configuration property FileInstall adds: the URI of the file the configuration comes from. */
    static final String FILENAME = "felix.fileinstall.filename";
    static final String FILEINSTALL = "org.apache.felix.fileinstall";

    private final Path folder;

    private ConfigFolder(Path folder) {
        this.folder = folder;
    }

    /** The folder {@code text} names, which must be readable and watched by an active FileInstall. */
    static ConfigFolder of(String text, BundleContext context) throws CommandException {
        Path folder;
        try {
            folder = Path.of(text).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new CommandException(Exit.BAD_INPUT, "--config: not a valid path: " + text);
        }
        // whether it can be read is for the listing to tell: access(2) does not count CAP_DAC_READ_SEARCH
        if (!Files.isDirectory(folder)) {
            throw new CommandException(Exit.BAD_INPUT, "--config " + text + ": not a folder");
        }
        ConfigFolder config = new ConfigFolder(real(folder));
        if (!config.watchedBy(context.getProperty(WATCHED)) || !fileInstallActive(context)) {
            throw new CommandException(Exit.BAD_INPUT, "--config " + text + ": the folder is read by Felix FileInstall,"
                    + " which watches the folders given when the probe starts: run bin/probe " + "live --config DIR"
                    + " (it runs the probe's shell.jar, which has FileInstall, with java -D" + WATCHED + "=DIR)");
        }
        return config;
    }

    Path path() {
        return folder;
    }

    /** The configuration files in the folder (names ending in .cfg or .config, not hidden), in name order. */
    List<Path> files() throws CommandException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.startsWith(".") && (name.endsWith(".cfg") || name.endsWith(".config")) && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (IOException e) {
            throw new CommandException(Exit.BAD_INPUT, "--config " + folder + ": cannot list it: " + e.getMessage());
        }
        files.sort(null);
        return files;
    }

    /** The configurations that FileInstall made of this folder's files, by file. */
    Map<Path, Configuration> applied(ConfigurationAdmin admin) throws CommandException {
        Map<Path, Configuration> applied = new LinkedHashMap<>();
        try {
            Configuration[] all = admin.listConfigurations("(" + FILENAME + "=*)");
            for (Configuration c : all == null ? new Configuration[0] : all) {
                Path file = fileOf(c.getProperties() == null ? null : c.getProperties().get(FILENAME));
                if (file != null && folder.equals(file.getParent())) {
                    applied.put(file, c);
                }
            }
        } catch (IOException | InvalidSyntaxException e) {
            throw new CommandException(Exit.FAILURE, "cannot list the configurations: " + e.getMessage());
        }
        return applied;
    }

    /** The file of a {@value #FILENAME} value (a file URI), or {@code null}. */
    static Path fileOf(Object filename) {
        if (filename == null) {
            return null;
        }
        try {
            return Path.of(URI.create(filename.toString())).normalize();
        } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
            return null;
        }
    }

    private boolean watchedBy(String property) {
        if (property == null) {
            return false;
        }
        for (String dir : property.split(",")) {
            try {
                if (!dir.isBlank() && folder.equals(real(Path.of(dir.trim()).toAbsolutePath().normalize()))) {
                    return true;
                }
            } catch (InvalidPathException e) {
                // not this one
            }
        }
        return false;
    }

    private static boolean fileInstallActive(BundleContext context) {
        for (Bundle b : context.getBundles()) {
            if (FILEINSTALL.equals(b.getSymbolicName()) && b.getState() == Bundle.ACTIVE) {
                return true;
            }
        }
        return false;
    }

    /** FileInstall names files under the folder's canonical path. */
    private static Path real(Path folder) {
        try {
            return folder.toRealPath();
        } catch (IOException e) {
            return folder;
        }
    }
}
