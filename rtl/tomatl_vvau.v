// tomatl_vvau: vector unit of a depthwise convolution,
//     y_c = act(requant(bias_c + sum_k x[k][c] * w(c, k)))
// over the windows of tomatl_swu with DEPTHWISE = 1.
//
// Input per output pixel: for cg in 0..CH/PE-1 { K beats of PE channels }
// (beat k of group cg holds kernel position k of channels cg*PE .. cg*PE+PE-1,
// lane p at [p*IN_BITS +: IN_BITS]). Output per pixel: CH/PE beats, beat cg
// holds channels cg*PE .., lane p at [p*OUT_BITS +: OUT_BITS].
// One input beat per cycle when not stalled: CH/PE*K cycles per pixel.
//
// Weight codes and arithmetics as tomatl_mvau (tomatl_mul); accumulation
// modulo 2^ACC_BITS (exact: the generator sizes ACC_BITS); requantization,
// activation and saturation by tomatl_requant.
//
// ROMs ($readmemh, one hex word per line, most significant digit first):
//   WEIGHT_FILE: CH/PE*K words of PE*W_BITS bits, word cg*K + k; lane p at
//     [p*W_BITS +: W_BITS] is the code of channel cg*PE+p at position k.
//   BIAS_FILE: CH/PE words of PE*ACC_BITS bits, lane p = channel cg*PE+p.
//
// Pipeline (all registered, no stall inside): issue (counters, ROM address)
// -> S1 (weight word, input beat) -> S2 (products, bias word) -> S3
// (accumulators) -> output FIFO (tomatl_credit_out). The last beat of a group
// is issued only with an output FIFO slot reserved (credits): s_axis_tready
// depends on registers only. Latency: a group's output beat is valid 4 cycles after its
// last input beat is accepted.
`default_nettype none

module tomatl_vvau #(
    parameter CH          = 1,   // channels (>= 1)
    parameter PE          = 1,   // channels per beat (divides CH)
    parameter K           = 9,   // kernel positions per window (>= 1)
    parameter IN_BITS     = 8,   // bits per input element
    parameter IN_SIGNED   = 1,   // 1: inputs are two's complement, 0: unsigned
    parameter ARITH       = 0,   // 0 fixed, 1 pow2, 2 binary, 3 ternary
    parameter W_BITS      = 8,   // bits per weight code
    parameter ACC_BITS    = 24,  // signed accumulator width (2..62)
    parameter RSHIFT      = 0,   // requantization right shift (rounding)
    parameter LSHIFT      = 0,   // requantization left shift
    parameter ACT         = 0,   // 0 none, 1 relu, 2 relu6
    parameter RELU6_MAX   = 6,   // code of 6.0 in the output type (relu6)
    parameter OUT_BITS    = 8,   // bits per output element
    parameter OUT_SIGNED  = 1,   // 1: outputs are two's complement
    parameter ROUND_MODE  = 0,   // rounding of RSHIFT, 0..7 (tomatl_requant)
    parameter NARROW      = 0,   // 1: narrow-range saturation
    parameter WEIGHT_FILE = "",  // weight ROM image ("": ROM left empty)
    parameter BIAS_FILE   = ""   // bias ROM image ("": ROM left empty)
) (
    input  wire                   clk,
    input  wire                   rst,
    input  wire [ PE*IN_BITS-1:0] s_axis_tdata,
    input  wire                   s_axis_tvalid,
    output wire                   s_axis_tready,
    output wire [PE*OUT_BITS-1:0] m_axis_tdata,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready
);

    // ---------------------------------------------------------------- sizes
    // Channel groups per pixel.
    localparam NG = CH / PE;
    // Input beat width.
    localparam X_BITS = PE * IN_BITS;
    // Weight ROM word width.
    localparam WW_BITS = PE * W_BITS;
    // Bias ROM word width.
    localparam BW_BITS = PE * ACC_BITS;
    // Output beat width.
    localparam Y_BITS = PE * OUT_BITS;
    // Weight ROM depth.
    localparam W_DEPTH = NG * K;
    // Counter widths.
    localparam K_BITS = (K > 1) ? $clog2(K) : 1;
    localparam NG_BITS = (NG > 1) ? $clog2(NG) : 1;
    localparam WA_BITS = (W_DEPTH > 1) ? $clog2(W_DEPTH) : 1;
    // Cycles a credit is away: issue -> S1 -> S2 -> S3 -> FIFO -> pop.
    localparam CREDIT_TRIP = 5;

    // ------------------------------------------------ parameter validation
    // (the input type, ARITH, W_BITS, ACC_BITS, shifts, ACT and the output
    // type are checked by tomatl_mul and tomatl_requant)
    generate
        if (CH < 1 || PE < 1 || (CH % PE) != 0) begin : g_illegal_pe
            tomatl_illegal_parameter_CH_PE u_illegal ();
        end
        if (K < 1) begin : g_illegal_k
            tomatl_illegal_parameter_K u_illegal ();
        end
        if (ACC_BITS < 2 || ACC_BITS > 62) begin : g_illegal_acc_bits
            tomatl_illegal_parameter_ACC_BITS u_illegal ();
        end
    endgenerate

    // ----------------------------------------------------------------- ROMs
    reg [WW_BITS-1:0] weight_rom[0:W_DEPTH-1];
    reg [BW_BITS-1:0] bias_rom  [     0:NG-1];
    // The images are loaded only when named (see tomatl_mvau).
    generate
        if (WEIGHT_FILE != "") begin : g_weight_init
            initial $readmemh(WEIGHT_FILE, weight_rom);
        end
        if (BIAS_FILE != "") begin : g_bias_init
            initial $readmemh(BIAS_FILE, bias_rom);
        end
    endgenerate

    // ---------------------------------------------------------- issue stage
    // The step: k (kernel position) within g (channel group), and the
    // weight address g*K+k.
    wire [ K_BITS-1:0] unused_k;
    wire [NG_BITS-1:0] g;
    wire [WA_BITS-1:0] wa;
    wire               k_first;
    wire               k_last;
    wire               unused_g_first;
    wire               unused_g_last;
    wire step_ok;  // a step may issue (an output FIFO slot is free if it needs one)
    wire issue = step_ok && s_axis_tvalid;

    assign s_axis_tready = step_ok;

    tomatl_loop_counter #(
        .INNER(K),
        .OUTER(NG)
    ) u_step (
        .clk        (clk),
        .rst        (rst),
        .step       (issue),
        .inner      (unused_k),
        .outer      (g),
        .flat       (wa),
        .inner_first(k_first),
        .inner_last (k_last),
        .outer_first(unused_g_first),
        .outer_last (unused_g_last)
    );

    // ------------------------------------------------------------- stage S1
    reg               v1_reg;
    reg               first1_reg;  // k == 0: start from the bias
    reg               last1_reg;  // k == K-1: the sum is complete
    reg [NG_BITS-1:0] g1_reg;  // bias address
    reg [WW_BITS-1:0] w1_reg;
    reg [ X_BITS-1:0] x1_reg;

    always @(posedge clk) begin
        if (rst) begin
            v1_reg <= 1'b0;
        end else begin
            v1_reg <= issue;
        end
    end

    always @(posedge clk) begin
        first1_reg <= k_first;
        last1_reg  <= k_last;
        g1_reg     <= g;
        w1_reg     <= weight_rom[wa];
        x1_reg     <= s_axis_tdata;
    end

    // ------------------------------------------------------------ stage S2
    reg               v2_reg;
    reg               first2_reg;
    reg               last2_reg;
    reg [BW_BITS-1:0] bias2_reg;
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
        bias2_reg  <= bias_rom[g1_reg];
    end

    // --------------------------- per lane: product, accumulator, requantize
    wire [Y_BITS-1:0] y;
    genvar gp;
    generate
        for (gp = 0; gp < PE; gp = gp + 1) begin : g_lane
            // The product of the lane, modulo 2^ACC_BITS.
            wire [ACC_BITS-1:0] prod;
            tomatl_mul #(
                .IN_BITS  (IN_BITS),
                .IN_SIGNED(IN_SIGNED),
                .ARITH    (ARITH),
                .W_BITS   (W_BITS),
                .P_BITS   (ACC_BITS)
            ) u_mul (
                .a   (x1_reg[gp*IN_BITS+:IN_BITS]),
                .code(w1_reg[gp*W_BITS+:W_BITS]),
                .p   (prod)
            );

            // S2: the product; S3: the accumulator.
            reg [ACC_BITS-1:0] prod2_reg;
            reg [ACC_BITS-1:0] acc_reg;
            wire [ACC_BITS-1:0] acc_base = first2_reg ? bias2_reg[gp*ACC_BITS+:ACC_BITS] : acc_reg;
            always @(posedge clk) begin
                prod2_reg <= prod;
                if (v2_reg) begin
                    acc_reg <= acc_base + prod2_reg;
                end
            end

            // Requantize, activate, saturate (combinational).
            tomatl_requant #(
                .ACC_BITS  (ACC_BITS),
                .RSHIFT    (RSHIFT),
                .LSHIFT    (LSHIFT),
                .ACT       (ACT),
                .RELU6_MAX (RELU6_MAX),
                .OUT_BITS  (OUT_BITS),
                .OUT_SIGNED(OUT_SIGNED),
                .ROUND_MODE(ROUND_MODE),
                .NARROW    (NARROW)
            ) u_requant (
                .mult(1'b0),
                .acc (acc_reg),
                .y   (y[gp*OUT_BITS+:OUT_BITS])
            );
        end
    endgenerate

    // ------------------------------------------------- output FIFO, credits
    tomatl_credit_out #(
        .WIDTH  (Y_BITS),
        .TRIP   (CREDIT_TRIP),
        .SPACING(K)
    ) u_out (
        .clk          (clk),
        .rst          (rst),
        .step_ends    (k_last),
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
