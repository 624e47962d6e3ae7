/* tomatl C driver, Intel SoC: the HPS-FPGA bridges must be enabled after
 * the FPGA is configured, or every register access hangs or reads junk.
 * Linux's FPGA bridge class lists each bridge as
 * /sys/class/fpga_bridge/brN/{name,state}; see tomatl_hal.h. */
#define _DEFAULT_SOURCE

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tomatl.h"

static int read_line(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    int ok;
    if (!f)
        return -1;
    ok = fgets(buf, (int)n, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    buf[strcspn(buf, "\r\n")] = 0;
    return 0;
}

/* The state of the bridge called `name` under `root` into state; 0 when
 * found. */
static int bridge_state(const char *root, const char *name, char *dir, size_t dn, char *state, size_t sn)
{
    DIR *d = opendir(root);
    struct dirent *e;
    int found = -1;
    while (d && found != 0 && (e = readdir(d)) != NULL) {
        char path[768], got[128];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s/name", root, e->d_name);
        if (read_line(path, got, sizeof got) != 0 || strcmp(got, name) != 0)
            continue;
        snprintf(dir, dn, "%s/%s", root, e->d_name);
        snprintf(path, sizeof path, "%s/%s/state", root, e->d_name);
        if (read_line(path, state, sn) != 0)
            snprintf(state, sn, "unreadable");
        found = 0;
    }
    if (d)
        closedir(d);
    return found;
}

int tomatl_check_bridges(const char *names)
{
    const char *root = getenv("TOMATL_FPGA_BRIDGE_ROOT");
    char want[256], *name, *save = NULL;
    DIR *d;
    if (!root || !*root)
        root = "/sys/class/fpga_bridge";
    if (!(d = opendir(root))) {
        fprintf(stderr, "tomatl: no %s: cannot check the HPS-FPGA bridges (taken as enabled)\n", root);
        return TOMATL_OK;
    }
    closedir(d);
    snprintf(want, sizeof want, "%s", names);
    for (name = strtok_r(want, " ", &save); name; name = strtok_r(NULL, " ", &save)) {
        char dir[512], state[64];
        if (bridge_state(root, name, dir, sizeof dir, state, sizeof state) != 0) {
            fprintf(stderr, "tomatl: Linux lists no bridge %s under %s (taken as the boot loader left it)\n", name,
                    root);
            continue;
        }
        if (strcmp(state, "enabled") != 0) {
            fprintf(stderr,
                    "tomatl: the FPGA bridge %s (%s) is %s: enable the bridges after loading the bitstream, "
                    "through a device-tree overlay on the FPGA region (which enables them once the FPGA is "
                    "configured) or with U-Boot's `bridge enable` after `fpga load`\n",
                    name, dir, state);
            return TOMATL_ERR_BRIDGE;
        }
    }
    return TOMATL_OK;
}
