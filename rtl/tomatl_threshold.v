// tomatl_threshold: multi-threshold requantization of one accumulator to an
// output code (purely combinational), FINN's MultiThreshold
// (ir::numerics::threshold):
//   n = #{k : desc ? acc <= t_k : acc >= t_k}
//   y = min_code + TH_STEP * n, as an OUT_BITS-bit code
// min_code is -2^(OUT_BITS-1) (OUT_SIGNED), -2^(OUT_BITS-1)+1 (OUT_SIGNED
// and NARROW) or 0 (unsigned). Activation and saturation are in the
// thresholds: nothing else is applied. TH_STEP = 2 is a bipolar output
// (-1 and +1 of a narrow 2-bit signed type, one threshold).
//
// The channel's threshold word th (TH_W = TH_COUNT*(ACC_BITS+1)+1 bits):
//   bit 0                                 desc: 1 for a descending channel
//                                         (its output falls as acc grows)
//   [1 + k*(ACC_BITS+1) +: ACC_BITS+1]    threshold t_k, two's complement
// Thresholds have one bit more than the accumulator, so that one can lie
// beyond its range (a level always or never reached). The generator writes
// them ascending; the count does not depend on their order.
//
// A descending test is an ascending one of the complements: ~x = -x - 1
// reverses the order of signed values, so acc <= t is ~acc >= ~t, and each
// threshold needs one comparator. The hits are summed by a balanced tree
// (pairs of neighbours, then pairs of pairs, ...), node widths growing by a
// bit a level.
`default_nettype none

module tomatl_threshold #(
    parameter ACC_BITS   = 24,  // signed accumulator width (2..64)
    parameter TH_COUNT   = 1,   // thresholds per channel (1..255)
    parameter TH_STEP    = 1,   // code step per threshold reached (1 or 2)
    parameter OUT_BITS   = 8,   // bits per output code (1..32)
    parameter OUT_SIGNED = 1,   // 1: two's complement output, 0: unsigned
    parameter NARROW     = 0    // 1: narrow range (signed: no code -2^(OUT_BITS-1))
) (
    input  wire [ACC_BITS-1:0] acc,
    // TH_W = TH_COUNT*(ACC_BITS+1)+1 bits: desc, then the thresholds (above;
    // a negative TH_COUNT is left to the parameter check)
    input  wire [((TH_COUNT > 0) ? TH_COUNT : 0)*(ACC_BITS+1):0] th,
    output wire [OUT_BITS-1:0] y
);

    // Bits of one threshold.
    localparam TB = ACC_BITS + 1;
    // Levels of the tree summing the hits, and the width of its root (the
    // count, 0..TH_COUNT).
    localparam LEVELS = (TH_COUNT > 1) ? $clog2(TH_COUNT) : 0;
    localparam CNT_BITS = LEVELS + 1;
    // Width of the output arithmetic (the code plus room for the count).
    localparam YB = OUT_BITS + 10;
    // max_code - min_code of the output type, 2^OUT_BITS - 1 - NARROW, or
    // 1023 for 10 bits and more (above the largest TH_STEP*TH_COUNT, 510).
    localparam integer OB_CLIP = (OUT_BITS < 10) ? OUT_BITS : 10;
    localparam integer CODE_SPAN = (1 << OB_CLIP) - 1 - ((NARROW != 0) ? 1 : 0);

    // Nodes of level l of a tree over n leaves: ceil(n / 2^l) (constant function).
    function integer tree_nodes;
        input integer n;
        input integer l;
        begin
            tree_nodes = (n + (1 << l) - 1) >> l;
        end
    endfunction

    generate
        if (ACC_BITS < 2 || ACC_BITS > 64) begin : g_illegal_acc_bits
            tomatl_illegal_parameter_ACC_BITS u_illegal ();
        end
        if (TH_COUNT < 1 || TH_COUNT > 255) begin : g_illegal_th_count
            tomatl_illegal_parameter_TH_COUNT u_illegal ();
        end
        if (TH_STEP != 1 && TH_STEP != 2) begin : g_illegal_th_step
            tomatl_illegal_parameter_TH_STEP u_illegal ();
        end
        if (OUT_BITS < 1 || OUT_BITS > 32 || (OUT_SIGNED != 0 && OUT_SIGNED != 1)) begin : g_illegal_out_type
            tomatl_illegal_parameter_OUT_BITS_OUT_SIGNED u_illegal ();
        end
        if (NARROW != 0 && (NARROW != 1 || OUT_BITS < 2)) begin : g_illegal_narrow
            tomatl_illegal_parameter_NARROW u_illegal ();
        end
        // min_code + TH_STEP*TH_COUNT must be a code of the output type.
        if (TH_STEP * TH_COUNT > CODE_SPAN) begin : g_illegal_th_range
            tomatl_illegal_parameter_TH_COUNT_TH_STEP_OUT_BITS u_illegal ();
        end
    endgenerate

    localparam [YB-1:0] Y_ONE = {{(YB - 1) {1'b0}}, 1'b1};  // 1
    localparam [YB-1:0] Y_NARROW = (NARROW != 0) ? Y_ONE : {YB{1'b0}};  // 1 when narrow
    // The smallest code (modulo 2^OUT_BITS in the low bits).
    localparam [YB-1:0] Y_MIN = (OUT_SIGNED != 0) ? ((Y_ONE << (OUT_BITS - 1)) + Y_NARROW) : {YB{1'b0}};

    // The accumulator on the thresholds' width, complemented for a
    // descending channel.
    wire desc = th[0];
    wire signed [TB-1:0] acc_x = {acc[ACC_BITS-1], acc} ^ {TB{desc}};

    genvar gk, gl, gn;
    generate
        // One hit a threshold (the leaves of the tree).
        for (gk = 0; gk < TH_COUNT; gk = gk + 1) begin : g_th
            wire signed [TB-1:0] t_x = th[1+gk*TB+:TB] ^ {TB{desc}};
            wire hit = (acc_x >= t_x);
        end
        // Node gn of level gl (g_lv[gl].g_n[gn].s, gl+1 bits) sums nodes
        // 2gn and 2gn+1 of level gl-1 (or passes 2gn on alone).
        for (gl = 0; gl <= LEVELS; gl = gl + 1) begin : g_lv
            for (gn = 0; gn < tree_nodes(TH_COUNT, gl); gn = gn + 1) begin : g_n
                wire [gl:0] s;
                if (gl == 0) begin : g_leaf
                    assign s = g_th[gn].hit;
                end else if (2 * gn + 1 < tree_nodes(TH_COUNT, gl - 1)) begin : g_add
                    assign s = {1'b0, g_lv[gl-1].g_n[2*gn].s} + {1'b0, g_lv[gl-1].g_n[2*gn+1].s};
                end else begin : g_pass
                    assign s = {1'b0, g_lv[gl-1].g_n[2*gn].s};
                end
            end
        end
    endgenerate

    // y = min_code + TH_STEP * n; the sum lies in the code range, so its low
    // OUT_BITS bits are the code.
    wire [CNT_BITS-1:0] cnt;
    generate
        if (TH_COUNT >= 1) begin : g_count
            assign cnt = g_lv[LEVELS].g_n[0].s;
        end else begin : g_no_count
            // an illegal TH_COUNT: only the parameter check reports it
            assign cnt = {CNT_BITS{1'b0}};
        end
    endgenerate
    wire [YB-1:0] cnt_y = {{(YB - CNT_BITS) {1'b0}}, cnt};
    // (the bits above the code are not used)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [YB-1:0] y_all = Y_MIN + ((TH_STEP == 2) ? (cnt_y << 1) : cnt_y);
    /* verilator lint_on UNUSEDSIGNAL */
    assign y = y_all[OUT_BITS-1:0];

endmodule

`default_nettype wire
