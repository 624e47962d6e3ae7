// tomatl_mvau: matrix-vector-activation unit, one dense layer
//     y = act(requant(bias + W * x))
// over a stream of input vectors (frames).
//
// Folding: IN_FEATURES = SIMD * SF inputs, OUT_FEATURES = PE * NF outputs.
// A frame's input vector arrives as SF beats of SIMD elements (beat sf holds
// elements sf*SIMD .. sf*SIMD+SIMD-1, lane s at [s*IN_BITS +: IN_BITS]); its
// output leaves as NF beats of PE channels (beat nf holds channels
// nf*PE .. nf*PE+PE-1, lane p at [p*OUT_BITS +: OUT_BITS]).
//
// Loop order: for nf in 0..NF { for sf in 0..SF { ... } }. The input beats are
// consumed during the nf == 0 pass and kept in an SF-word input buffer for
// the passes nf > 0. One (nf, sf) step is issued per cycle: with the input
// always valid and the output always ready a frame takes exactly SF*NF
// cycles, frames back to back.
//
// Weight codes (W_BITS bits) and the integer weight w they stand for:
//   ARITH 0 fixed:   signed two's complement code, w = code (a product).
//   ARITH 1 pow2:    code[W_BITS-1] = sign (1 negative), m = code[W_BITS-2:0];
//                    m == 0: w = 0, else w = +-2^(m-1) (shift and negate).
//   ARITH 2 binary:  W_BITS = 1, code 0: w = +1, code 1: w = -1 (add/sub).
//   ARITH 3 ternary: W_BITS = 2, 01: +1, 11: -1, 00: 0 (add/sub/skip).
// Accumulation is modulo 2^ACC_BITS; the generator sizes ACC_BITS so that
// bias plus any partial sum fits, which makes the wrap-around exact.
//
// Requantization, then activation, then saturation to the output code
// (tomatl_requant):
//   m = MULT_BITS > 0 ? acc * mult : acc   (the channel's multiplier)
//   r = RSHIFT > 0 ? (m + c) >>> RSHIFT : m <<< LSHIFT   (c: ROUND_MODE)
//   ACT 0: r, ACT 1: max(r, 0), ACT 2: min(max(r, 0), RELU6_MAX)
//   y = clamp to [-2^(OUT_BITS-1), 2^(OUT_BITS-1)-1] or [0, 2^OUT_BITS-1]
//       (NARROW: without the bottom signed or the top unsigned code).
// Or, with TH_COUNT > 0, thresholds instead (tomatl_threshold; not with
// multipliers, shifts or an activation):
//   n = #{k : desc ? acc <= t_k : acc >= t_k},  y = min_code + TH_STEP * n.
//
// ROMs ($readmemh, one hex word per line, most significant digit first):
//   WEIGHT_FILE: NF*SF words of PE*SIMD*W_BITS bits, word nf*SF+sf; the weight
//     of PE p and lane s is at [(p*SIMD+s)*W_BITS +: W_BITS], multiplies input
//     element sf*SIMD+s and feeds output channel nf*PE+p.
//   BIAS_FILE: NF words of PE*ACC_BITS bits, p's bias at [p*ACC_BITS +: ACC_BITS].
//   MULT_FILE (MULT_BITS > 0): NF words of PE*MULT_BITS bits, the unsigned
//     multiplier of channel nf*PE+p at [p*MULT_BITS +: MULT_BITS].
//   TH_FILE (TH_COUNT > 0): NF words of PE*TH_W bits, TH_W =
//     TH_COUNT*(ACC_BITS+1)+1; channel nf*PE+p's field at [p*TH_W +: TH_W]:
//     its bit 0 the descending flag, threshold k (two's complement,
//     ACC_BITS+1 bits, ascending in k) at [1 + k*(ACC_BITS+1) +: ACC_BITS+1].
//
// Pipeline (all registered, no stall inside): issue (counters, ROM address,
// input buffer) -> S1 (weight word, input vector) -> S2 (per-PE dot products,
// bias word) -> S3 (accumulators) -> output FIFO (tomatl_credit_out). The
// per-channel words (multipliers or thresholds) are read with the biases
// and kept with the complete sums in S3. An output step is issued only when
// the output FIFO has a free slot reserved for it (credits), so the pipeline
// never has to stop and s_axis_tready depends on registers only (not on
// s_axis_tvalid, nor on m_axis_tready).
//
// Products come from tomatl_mul, one per PE and lane, formed modulo
// 2^ACC_BITS; each PE sums its SIMD products in a balanced tree of adders
// (pairs of neighbours, then pairs of pairs, ...), every node its own
// ACC_BITS-bit net. PACK = 1 forms the products of two PEs with one
// multiplier (see g_packed) and feeds the same trees.
// Latency: the frame's first output beat is valid 4 cycles after its last
// input beat is accepted.
`default_nettype none

module tomatl_mvau #(
    parameter SIMD        = 1,           // input elements per beat (>= 1)
    parameter PE          = 1,           // output channels per beat (>= 1)
    parameter SF          = 1,           // input beats per frame: IN_FEATURES / SIMD
    parameter NF          = 1,           // output beats per frame: OUT_FEATURES / PE
    parameter IN_BITS     = 8,           // bits per input element
    parameter IN_SIGNED   = 1,           // 1: inputs are two's complement, 0: unsigned
    parameter ARITH       = 0,           // 0 fixed, 1 pow2, 2 binary, 3 ternary
    parameter W_BITS      = 8,           // bits per weight code
    parameter ACC_BITS    = 24,          // signed accumulator width (2..62)
    parameter RSHIFT      = 0,           // requantization right shift (rounding)
    parameter LSHIFT      = 0,           // requantization left shift
    parameter ACT         = 0,           // 0 none, 1 relu, 2 relu6
    parameter RELU6_MAX   = 6,           // code of 6.0 in the output type (relu6)
    parameter OUT_BITS    = 8,           // bits per output element
    parameter OUT_SIGNED  = 1,           // 1: outputs are two's complement
    parameter ROUND_MODE  = 0,           // rounding of RSHIFT, 0..7 (tomatl_requant)
    parameter NARROW      = 0,           // 1: narrow-range saturation
    parameter PACK        = 0,           // 1: PEs 2q and 2q+1 share one multiplier per lane (fixed, <= 8 bits)
    parameter MULT_BITS   = 0,           // per-channel requantization multiplier bits (0: none, up to 16)
    parameter TH_COUNT    = 0,           // thresholds per channel (0: none, up to 255; tomatl_threshold)
    parameter TH_STEP     = 1,           // code step per threshold reached (1 or 2)
    parameter WEIGHT_FILE = "",          // weight ROM image ("": ROM left empty)
    parameter BIAS_FILE   = "",          // bias ROM image ("": ROM left empty)
    parameter MULT_FILE   = "",          // multiplier ROM image (MULT_BITS > 0)
    parameter TH_FILE     = ""           // threshold ROM image (TH_COUNT > 0)
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire [ SIMD*IN_BITS-1:0] s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,
    output wire [PE*OUT_BITS-1:0] m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready
);

    // ---------------------------------------------------------------- sizes
    // Input beat width.
    localparam X_BITS = SIMD * IN_BITS;
    // Weight ROM word width.
    localparam WW_BITS = PE * SIMD * W_BITS;
    // Bias ROM word width.
    localparam BW_BITS = PE * ACC_BITS;
    // Multiplier ROM word width (one bit when there is none).
    localparam MB = (MULT_BITS > 0) ? MULT_BITS : 1;
    localparam MW_BITS = PE * MB;
    // Threshold word of a channel (TH_COUNT > 0) and the ROM word of PE of them.
    localparam TH_W = TH_COUNT * (ACC_BITS + 1) + 1;
    localparam TW_BITS = PE * TH_W;
    // Output beat width.
    localparam Y_BITS = PE * OUT_BITS;
    // Weight ROM depth.
    localparam W_DEPTH = NF * SF;
    // Counter widths.
    localparam SF_BITS = (SF > 1) ? $clog2(SF) : 1;
    localparam NF_BITS = (NF > 1) ? $clog2(NF) : 1;
    localparam WA_BITS = (W_DEPTH > 1) ? $clog2(W_DEPTH) : 1;
    // Levels of the adder tree of one PE's SIMD products.
    localparam LEVELS = (SIMD > 1) ? $clog2(SIMD) : 0;
    // Packed products (PACK = 1): the low product a*w_lo fits PK_SHIFT
    // signed bits, the packed weight w_hi*2^PK_SHIFT + w_lo PK_W_BITS bits,
    // and a*packed PK_P_BITS bits (25 x 9 bits at 8-bit operands: one
    // DSP48 multiplier).
    localparam PK_SHIFT = IN_BITS + W_BITS;
    localparam PK_W_BITS = W_BITS + PK_SHIFT + 1;
    localparam PK_P_BITS = IN_BITS + 1 + PK_W_BITS;
    // Bits of the product above the low product (the high product's field).
    localparam PK_HI_BITS = PK_P_BITS - PK_SHIFT;
    // Cycles a credit is away: issue -> S1 -> S2 -> S3 -> FIFO -> pop.
    localparam CREDIT_TRIP = 5;

    // Nodes of level l of a tree over n leaves: ceil(n / 2^l) (constant function).
    function integer tree_nodes;
        input integer n;
        input integer l;
        begin
            tree_nodes = (n + (1 << l) - 1) >> l;
        end
    endfunction

    // ------------------------------------------------ parameter validation
    generate
        if (SIMD < 1) begin : g_illegal_simd
            tomatl_illegal_parameter_SIMD u_illegal ();
        end
        if (PE < 1) begin : g_illegal_pe
            tomatl_illegal_parameter_PE u_illegal ();
        end
        if (SF < 1) begin : g_illegal_sf
            tomatl_illegal_parameter_SF u_illegal ();
        end
        if (NF < 1) begin : g_illegal_nf
            tomatl_illegal_parameter_NF u_illegal ();
        end
        if (IN_BITS < 1 || (IN_SIGNED != 0 && IN_SIGNED != 1)) begin : g_illegal_in_type
            tomatl_illegal_parameter_IN_BITS_IN_SIGNED u_illegal ();
        end
        if (OUT_BITS < 1 || OUT_BITS > 32 || (OUT_SIGNED != 0 && OUT_SIGNED != 1)) begin : g_illegal_out_type
            tomatl_illegal_parameter_OUT_BITS_OUT_SIGNED u_illegal ();
        end
        if (ACC_BITS < 2 || ACC_BITS > 62) begin : g_illegal_acc_bits
            tomatl_illegal_parameter_ACC_BITS u_illegal ();
        end
        if (ARITH < 0 || ARITH > 3) begin : g_illegal_arith
            tomatl_illegal_parameter_ARITH u_illegal ();
        end
        if ((ARITH == 0 && (W_BITS < 1 || W_BITS > 16)) ||
            (ARITH == 1 && (W_BITS < 2 || W_BITS > 5)) ||
            (ARITH == 2 && W_BITS != 1) ||
            (ARITH == 3 && W_BITS != 2)) begin : g_illegal_w_bits
            tomatl_illegal_parameter_W_BITS u_illegal ();
        end
        if (RSHIFT < 0 || LSHIFT < 0 || (RSHIFT > 0 && LSHIFT > 0)) begin : g_illegal_shift
            tomatl_illegal_parameter_RSHIFT_LSHIFT u_illegal ();
        end
        if (PACK != 0 && (PACK != 1 || ARITH != 0 || PE % 2 != 0 || W_BITS > 8 || IN_BITS > 8)) begin : g_illegal_pack
            tomatl_illegal_parameter_PACK u_illegal ();
        end
        if (ACT < 0 || ACT > 2) begin : g_illegal_act
            tomatl_illegal_parameter_ACT u_illegal ();
        end
        if (TH_COUNT < 0 || TH_COUNT > 255 || (TH_STEP != 1 && TH_STEP != 2)) begin : g_illegal_th
            tomatl_illegal_parameter_TH_COUNT_TH_STEP u_illegal ();
        end
        if (TH_COUNT > 0 && MULT_BITS != 0) begin : g_illegal_th_mult
            tomatl_illegal_parameter_TH_COUNT_MULT_BITS u_illegal ();
        end
        if (TH_COUNT > 0 && (ACT != 0 || RSHIFT != 0 || LSHIFT != 0)) begin : g_illegal_th_requant
            tomatl_illegal_parameter_TH_COUNT_ACT_RSHIFT_LSHIFT u_illegal ();
        end
    endgenerate

    // ----------------------------------------------------------------- ROMs
    reg [WW_BITS-1:0] weight_rom[0:W_DEPTH-1];
    reg [BW_BITS-1:0] bias_rom  [     0:NF-1];
    // The images are loaded only when named, so a tool that elaborates the
    // module on its own with the default parameters (Yosys `read_verilog`)
    // does not look for a file.
    generate
        if (WEIGHT_FILE != "") begin : g_weight_init
            initial $readmemh(WEIGHT_FILE, weight_rom);
        end
        if (BIAS_FILE != "") begin : g_bias_init
            initial $readmemh(BIAS_FILE, bias_rom);
        end
    endgenerate


    // ---------------------------------------------------------- issue stage
    // The step: sf (input beat) within nf (output pass), and the weight
    // address nf*SF+sf.
    // (sf addresses the input buffer, which exists only when NF > 1)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SF_BITS-1:0] sf;
    /* verilator lint_on UNUSEDSIGNAL */
    wire [NF_BITS-1:0] nf;
    wire [WA_BITS-1:0] wa;
    wire               sf_first;
    wire               sf_last;
    wire               nf_first;
    wire               unused_nf_last;
    wire step_ok;  // a step may issue (an output FIFO slot is free if it needs one)
    wire issue = step_ok && (!nf_first || s_axis_tvalid);

    assign s_axis_tready = nf_first && step_ok;

    tomatl_loop_counter #(
        .INNER(SF),
        .OUTER(NF)
    ) u_step (
        .clk        (clk),
        .rst        (rst),
        .step       (issue),
        .inner      (sf),
        .outer      (nf),
        .flat       (wa),
        .inner_first(sf_first),
        .inner_last (sf_last),
        .outer_first(nf_first),
        .outer_last (unused_nf_last)
    );

    // ------------------------------------------------------------- stage S1
    reg               v1_reg;
    reg               first1_reg;  // sf == 0: start from the bias
    reg               last1_reg;  // sf == SF-1: the sum is complete
    reg [NF_BITS-1:0] nf1_reg;  // bias address
    reg [WW_BITS-1:0] w1_reg;

    always @(posedge clk) begin
        if (rst) begin
            v1_reg <= 1'b0;
        end else begin
            v1_reg <= issue;
        end
    end

    always @(posedge clk) begin
        first1_reg <= sf_first;
        last1_reg  <= sf_last;
        nf1_reg    <= nf;
        w1_reg     <= weight_rom[wa];
    end

    // The input vector of this step, lane by lane (g_x[s].a).
    reg [X_BITS-1:0] xs1_reg;  // beat from the stream
    always @(posedge clk) begin
        xs1_reg <= s_axis_tdata;
    end

    genvar gs;
    generate
        if (NF > 1) begin : g_buffer
            // The pass nf == 0 stores the input beats, later passes read them.
            // Rounded up to a power of two entries when that is at most 16
            // (the same LUT-RAM): no bounds check on the wide words in
            // simulation.
            localparam BUF_WORDS = ((1 << SF_BITS) <= 16) ? (1 << SF_BITS) : SF;
            reg [X_BITS-1:0] in_buf[0:BUF_WORDS-1];
            reg [X_BITS-1:0] xb1_reg;  // beat from the buffer
            reg              sel1_reg;  // 1: use the stream beat
            // Written after it is read, in the same process and with a
            // blocking assignment: the read sees the old contents as with a
            // nonblocking one, and a simulator writes the wide word in place.
            always @(posedge clk) begin
                xb1_reg <= in_buf[sf];
                /* verilator lint_off BLKSEQ */
                if (issue && nf_first) begin
                    in_buf[sf] = s_axis_tdata;
                end
                /* verilator lint_on BLKSEQ */
            end
            always @(posedge clk) begin
                sel1_reg <= nf_first;
            end
        end
        for (gs = 0; gs < SIMD; gs = gs + 1) begin : g_x
            wire [IN_BITS-1:0] a;
            if (NF == 1) begin : g_stream
                // Every input beat is used once: no input buffer.
                assign a = xs1_reg[gs*IN_BITS+:IN_BITS];
            end else begin : g_select
                // One narrow multiplexer a lane (the same gates as one of
                // the whole beat), so that no beat-wide temporary is formed.
                assign a = g_buffer.sel1_reg ? xs1_reg[gs*IN_BITS+:IN_BITS] :
                                               g_buffer.xb1_reg[gs*IN_BITS+:IN_BITS];
            end
        end
    endgenerate

    // ------------------------------------------------------------- products
    // Packed pairs (PACK = 1) keep an arithmetic of their own: tomatl_mul
    // forms one product a*w per multiplier, while a pair needs both
    // products a*w_lo and a*w_hi out of the single product a*(w_hi*2^S +
    // w_lo) and the borrow the low product takes from the high one, which is
    // no operation of tomatl_mul. The other engines take their products from
    // tomatl_mul (in the leaves of the trees below).
    genvar gq;
    generate
        if (PACK != 0) begin : g_packed
            // PEs 2q and 2q+1 read the same input in each lane: one
            // multiplier forms both products as p = a * (w_hi*2^S + w_lo),
            // S = PK_SHIFT. The low product a*w_lo fits S signed bits, so
            // it is p[S-1:0] sign-extended; the high one is
            // (p - a*w_lo) / 2^S = (p >>> S) + p[S-1] (the borrow the low
            // product took from it). Exact for every operand value; both are
            // cut to ACC_BITS (exact modulo 2^ACC_BITS).
            // Sign extensions are assignments of signed nets to wider ones
            // (a single step in simulation, where a replication of the sign
            // bit takes several); the WIDTH waivers cover those.
            for (gq = 0; gq < PE / 2; gq = gq + 1) begin : g_pair
                for (gs = 0; gs < SIMD; gs = gs + 1) begin : g_lane
                    wire [IN_BITS-1:0] a = g_x[gs].a;
                    wire signed [W_BITS-1:0] clo = w1_reg[((2*gq)*SIMD+gs)*W_BITS+:W_BITS];
                    wire signed [W_BITS-1:0] chi = w1_reg[((2*gq+1)*SIMD+gs)*W_BITS+:W_BITS];
                    wire signed [IN_BITS:0] ax;
                    if (IN_SIGNED != 0) begin : g_ax_signed
                        wire signed [IN_BITS-1:0] a_s = a;
                        /* verilator lint_off WIDTH */
                        assign ax = a_s;
                        /* verilator lint_on WIDTH */
                    end else begin : g_ax_unsigned
                        assign ax = {1'b0, a};
                    end
                    // The packed weight w_hi*2^S + w_lo.
                    wire signed [PK_W_BITS-1:0] chi_w;
                    wire signed [PK_W_BITS-1:0] clo_w;
                    /* verilator lint_off WIDTH */
                    assign chi_w = chi;
                    assign clo_w = clo;
                    /* verilator lint_on WIDTH */
                    wire signed [PK_W_BITS-1:0] wp = (chi_w <<< PK_SHIFT) + clo_w;
                    wire signed [PK_P_BITS-1:0] pp = ax * wp;
                    // The two fields of the product: the low product, and
                    // the high one before the borrow.
                    wire signed [PK_SHIFT-1:0] lo_f = pp[PK_SHIFT-1:0];
                    wire signed [PK_HI_BITS-1:0] hi_f = pp[PK_P_BITS-1:PK_SHIFT];
                    wire [ACC_BITS-1:0] lo_acc;
                    wire [ACC_BITS-1:0] hi_w;
                    if (ACC_BITS > PK_SHIFT) begin : g_lo_ext
                        /* verilator lint_off WIDTH */
                        assign lo_acc = lo_f;
                        /* verilator lint_on WIDTH */
                    end else begin : g_lo_cut
                        // Only the low ACC_BITS bits of the field are used.
                        /* verilator lint_off UNUSEDSIGNAL */
                        wire [PK_SHIFT-1:0] lo_all = lo_f;
                        /* verilator lint_on UNUSEDSIGNAL */
                        assign lo_acc = lo_all[ACC_BITS-1:0];
                    end
                    if (ACC_BITS > PK_HI_BITS) begin : g_hi_ext
                        /* verilator lint_off WIDTH */
                        assign hi_w = hi_f;
                        /* verilator lint_on WIDTH */
                    end else begin : g_hi_cut
                        // Only the low ACC_BITS bits of the field are used.
                        /* verilator lint_off UNUSEDSIGNAL */
                        wire [PK_HI_BITS-1:0] hi_all = hi_f;
                        /* verilator lint_on UNUSEDSIGNAL */
                        assign hi_w = hi_all[ACC_BITS-1:0];
                    end
                    wire [ACC_BITS-1:0] hi_acc = hi_w + {{(ACC_BITS - 1) {1'b0}}, pp[PK_SHIFT-1]};
                end
            end
        end
    endgenerate

    // ------------------------------------- per PE: dot product, S2, S3, out
    // Per-channel multipliers, read with the biases and kept with the sums
    // they scale (a constant 1-bit word when there are none).
    reg [MW_BITS-1:0] mult2_reg;
    reg [MW_BITS-1:0] mult3_reg;
    generate
        if (MULT_BITS > 0) begin : g_mult_rom
            reg [MW_BITS-1:0] mult_rom[0:NF-1];
            if (MULT_FILE != "") begin : g_mult_init
                initial $readmemh(MULT_FILE, mult_rom);
            end
            always @(posedge clk) begin
                mult2_reg <= mult_rom[nf1_reg];
            end
        end else begin : g_no_mult
            always @(posedge clk) begin
                mult2_reg <= {MW_BITS{1'b0}};
            end
        end
    endgenerate

    reg               v2_reg;
    reg               first2_reg;
    reg               last2_reg;
    reg [BW_BITS-1:0] bias2_reg;  // per-PE biases of this pass
    reg               v3_reg;  // the accumulators hold complete sums

    always @(posedge clk) begin
        if (rst) begin
            v2_reg <= 1'b0;
            v3_reg <= 1'b0;
        end else begin
            v2_reg <= v1_reg;
            v3_reg <= v2_reg && last2_reg;
        end
    end

    always @(posedge clk) begin
        first2_reg <= first1_reg;
        last2_reg  <= last1_reg;
        bias2_reg  <= bias_rom[nf1_reg];
        if (v2_reg && last2_reg) begin
            mult3_reg <= mult2_reg;
        end
    end

    // Per-channel thresholds (TH_COUNT > 0), the same way.
    generate
        if (TH_COUNT > 0) begin : g_th_rom
            reg [TW_BITS-1:0] th_rom[0:NF-1];
            reg [TW_BITS-1:0] th2_reg;
            reg [TW_BITS-1:0] th3_reg;
            if (TH_FILE != "") begin : g_th_init
                initial $readmemh(TH_FILE, th_rom);
            end
            always @(posedge clk) begin
                th2_reg <= th_rom[nf1_reg];
                if (v2_reg && last2_reg) begin
                    th3_reg <= th2_reg;
                end
            end
            // the thresholds take the place of the (absent) multipliers
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused_mult = ^mult3_reg;
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate

    wire [Y_BITS-1:0] y;
    genvar gp, gl, gn;
    generate
        for (gp = 0; gp < PE; gp = gp + 1) begin : g_pe
            // The adder tree: node gn of level gl (g_lv[gl].g_n[gn].s) sums
            // nodes 2gn and 2gn+1 of level gl-1 (or passes 2gn on alone);
            // the leaves (level 0) are the products of the lanes, modulo
            // 2^ACC_BITS.
            for (gl = 0; gl <= LEVELS; gl = gl + 1) begin : g_lv
                for (gn = 0; gn < tree_nodes(SIMD, gl); gn = gn + 1) begin : g_n
                    wire [ACC_BITS-1:0] s;
                    if (gl == 0 && PACK != 0 && gp % 2 == 0) begin : g_leaf_lo
                        assign s = g_packed.g_pair[gp/2].g_lane[gn].lo_acc;
                    end else if (gl == 0 && PACK != 0) begin : g_leaf_hi
                        assign s = g_packed.g_pair[gp/2].g_lane[gn].hi_acc;
                    end else if (gl == 0) begin : g_leaf
                        tomatl_mul #(
                            .IN_BITS  (IN_BITS),
                            .IN_SIGNED(IN_SIGNED),
                            .ARITH    (ARITH),
                            .W_BITS   (W_BITS),
                            .P_BITS   (ACC_BITS)
                        ) u_mul (
                            .a   (g_x[gn].a),
                            .code(w1_reg[(gp*SIMD+gn)*W_BITS+:W_BITS]),
                            .p   (s)
                        );
                    end else if (2 * gn + 1 < tree_nodes(SIMD, gl - 1)) begin : g_add
                        assign s = g_lv[gl-1].g_n[2*gn].s + g_lv[gl-1].g_n[2*gn+1].s;
                    end else begin : g_pass
                        assign s = g_lv[gl-1].g_n[2*gn].s;
                    end
                end
            end

            // S2: the dot product of this step; S3: the accumulator.
            reg [ACC_BITS-1:0] psum2_reg;
            reg [ACC_BITS-1:0] acc_reg;
            wire [ACC_BITS-1:0] acc_base = first2_reg ? bias2_reg[gp*ACC_BITS+:ACC_BITS] : acc_reg;
            always @(posedge clk) begin
                psum2_reg <= g_lv[LEVELS].g_n[0].s;
                if (v2_reg) begin
                    acc_reg <= acc_base + psum2_reg;
                end
            end

            if (TH_COUNT > 0) begin : g_th
                // Count the thresholds reached (combinational).
                tomatl_threshold #(
                    .ACC_BITS  (ACC_BITS),
                    .TH_COUNT  (TH_COUNT),
                    .TH_STEP   (TH_STEP),
                    .OUT_BITS  (OUT_BITS),
                    .OUT_SIGNED(OUT_SIGNED),
                    .NARROW    (NARROW)
                ) u_threshold (
                    .acc(acc_reg),
                    .th (g_th_rom.th3_reg[gp*TH_W+:TH_W]),
                    .y  (y[gp*OUT_BITS+:OUT_BITS])
                );
            end else begin : g_rq
                // Requantize, activate, saturate (combinational).
                tomatl_requant #(
                    .ACC_BITS  (ACC_BITS),
                    .RSHIFT    (RSHIFT),
                    .LSHIFT    (LSHIFT),
                    .ACT       (ACT),
                    .RELU6_MAX (RELU6_MAX),
                    .OUT_BITS  (OUT_BITS),
                    .OUT_SIGNED(OUT_SIGNED),
                    .MULT_BITS (MULT_BITS),
                    .ROUND_MODE(ROUND_MODE),
                    .NARROW    (NARROW)
                ) u_requant (
                    .acc (acc_reg),
                    .mult(mult3_reg[gp*MB+:MB]),
                    .y   (y[gp*OUT_BITS+:OUT_BITS])
                );
            end
        end
    endgenerate

    // ------------------------------------------------- output FIFO, credits
    tomatl_credit_out #(
        .WIDTH  (Y_BITS),
        .TRIP   (CREDIT_TRIP),
        .SPACING(SF)
    ) u_out (
        .clk          (clk),
        .rst          (rst),
        .step_ends    (sf_last),
        .step         (issue),
        .step_ok      (step_ok),
        .s_axis_tdata (y),
        .s_axis_tvalid(v3_reg),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
