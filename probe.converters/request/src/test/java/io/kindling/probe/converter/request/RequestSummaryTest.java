package io.kindling.probe.converter.request;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.kindling.probe.api.ContainerContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's top keys name the containers that made and served their requests, compactly and bounded. */
class RequestSummaryTest {

    private static final ContainerContext WEB = new ContainerContext("aaaaaaaaaaaa", "web", "busybox", "", "", "", "");
    private static final ContainerContext POD = new ContainerContext("cccccccccccc", "k8s_api_api-7d9f_shop_u-1_0", "api:1",
            "api-7d9f", "shop", "u-1", "api");

    @Test
    void aContainerIsNamedByItsNameItsPodOrItsId() {
        assertEquals("web", RequestSummary.containerName(WEB, "aaaaaaaaaaaa"));
        assertEquals("shop/api-7d9f", RequestSummary.containerName(POD, "cccccccccccc"));
        assertEquals("eeeeeeeeeeee", RequestSummary.containerName(ContainerContext.ofId("eeeeeeeeeeee"), "eeeeeeeeeeee"));
        assertEquals("eeeeeeeeeeee", RequestSummary.containerName(null, "eeeeeeeeeeee"), "no container converter");
        assertEquals("host", RequestSummary.containerName(null, ""));
    }

    @Test
    void topKeysNameTheirClientsAndServersWhereAContainerTookPart() {
        RequestSummary s = new RequestSummary();
        for (int i = 0; i < 3; i++) {
            s.add("http", "/index.html", false, 1_000_000, false, "client");
            s.add("http", "/index.html", false, 1_000_000, true, "web");
        }
        s.add("http", "/host", false, 1_000_000, false, "host");
        s.add("http", "/host", false, 1_000_000, true, "host");
        s.add("http", "/out", false, 1_000_000, false, "shop/api-7d9f"); // its server is not on this host
        s.add("http", "", false, 1_000_000, true, "web");
        Map<String, Long> f = s.figures();
        assertEquals(6L, f.get("summary.http.top./index.html (client > web)"));
        assertEquals(2L, f.get("summary.http.top./host"), "host processes only: the key alone, as before");
        assertEquals(1L, f.get("summary.http.top./out (shop/api-7d9f > ?)"));
        assertEquals(1L, f.get("summary.http.top. (? > web)"));
        assertEquals(List.of("http      10 requests, 0.0% errors, p50 1.05 ms, p99 1.05 ms; top: /index.html (client > web) 6,"
                + " /host 2, /out (shop/api-7d9f > ?) 1, \"\" (? > web) 1"), s.lines());
    }

    @Test
    void eachSideOfAKeyNamesAFewContainersAndSaysThereWereMore() {
        RequestSummary s = new RequestSummary();
        for (int i = 0; i < 10; i++) {
            s.add("redis", "GET", false, 1000, true, "cache-" + i);
        }
        s.add("redis", "GET", false, 1000, false, "host");
        assertEquals(11L, s.figures().get("summary.redis.top.GET (host > cache-0,cache-1,cache-2+)"), s.figures().toString());
    }
}
