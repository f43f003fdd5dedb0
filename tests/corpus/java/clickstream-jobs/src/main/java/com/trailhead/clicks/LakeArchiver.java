package com.trailhead.clicks;

import java.io.FileWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.amazonaws.regions.Regions;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.amazonaws.services.s3.model.ListObjectsV2Result;
import com.amazonaws.services.s3.model.S3ObjectSummary;

/** Copies a finished day of curated sessions to the archive bucket and prunes archives past retention. */
public final class LakeArchiver {

    private final AmazonS3 s3 = AmazonS3ClientBuilder.standard()
            .withRegion(Regions.EU_CENTRAL_1)
            .build();
    private final int retentionDays;

    public LakeArchiver(int retentionDays) {
        this.retentionDays = retentionDays;
    }

    public void archive(LocalDate day) throws IOException {
        Path dir = Path.of("/data/curated/sessions", day.toString());
        List<Path> parts;
        try (Stream<Path> files = Files.list(dir)) {
            parts = files.filter(p -> p.getFileName().toString().endsWith(".parquet"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        for (Path part : parts) {
            String key = "sessions/" + day + "/" + part.getFileName();
            s3.putObject("trailhead-lake-archive", key, part.toFile());
        }
        try (Writer marker = new FileWriter(dir.resolve("_ARCHIVED").toFile())) {
            marker.write(parts.size() + " parts\n");
        }
    }

    public int prune(LocalDate today) {
        LocalDate cutoff = today.minusDays(retentionDays);
        ListObjectsV2Result listing = s3.listObjectsV2("trailhead-lake-archive", "sessions/");
        int removed = 0;
        for (S3ObjectSummary object : listing.getObjectSummaries()) {
            String[] segments = object.getKey().split("/");
            if (segments.length > 2 && LocalDate.parse(segments[1]).isBefore(cutoff)) {
                s3.deleteObject("trailhead-lake-archive", object.getKey());
                removed++;
            }
        }
        return removed;
    }

    public static void main(String[] args) throws IOException {
        int retention = Integer.parseInt(System.getenv().getOrDefault("ARCHIVE_RETENTION_DAYS", "400"));
        LakeArchiver archiver = new LakeArchiver(retention);
        LocalDate day = LocalDate.parse(args[0]);
        archiver.archive(day);
        System.out.printf("archived %s, pruned %d objects%n", day, archiver.prune(LocalDate.now()));
    }
}
