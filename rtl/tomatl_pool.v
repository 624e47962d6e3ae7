// tomatl_pool: max or average pooling over the windows of tomatl_swu with
// DEPTHWISE = 1.
//
// Input per output pixel: for cg in 0..CH/PE-1 { K beats of PE lanes } (beat
// k of group cg holds window element k of channels cg*PE ..). Output per
// pixel: CH/PE beats of PE lanes, lane p at [p*OUT_BITS +: OUT_BITS].
//   KIND 0 max: y = the largest of the K codes (OUT = IN: same bits, same
//               signedness).
//   KIND 1 avg: y = tomatl_avg of the exact sum of the K codes: rounded by
//               ROUND_MODE, saturated (AVG_LSHIFT, AVG_DIV from the generator:
//               den = K * 2^max(frac_in - frac_out, 0),
//               lshift = max(frac_out - frac_in, 0)).
// One input beat per cycle when not stalled.
//
// Pipeline: issue (counter) -> S1 (input beat) -> S2 (running max or sum)
// -> output FIFO (tomatl_credit_out; through tomatl_avg for KIND 1). The last
// beat of a group is issued only with an output FIFO slot reserved
// (credits): s_axis_tready depends on registers only. Latency: a group's output beat is valid 3
// cycles after its last input beat is accepted.
`default_nettype none

module tomatl_pool #(
    parameter CH         = 1,  // channels (>= 1)
    parameter PE         = 1,  // channels per beat (divides CH)
    parameter K          = 4,  // window elements (>= 1)
    parameter KIND       = 0,  // 0 max, 1 average
    parameter IN_BITS    = 8,  // bits per input code (1..32)
    parameter IN_SIGNED  = 1,  // 1: inputs are two's complement, 0: unsigned
    parameter OUT_BITS   = 8,  // bits per output code (max: IN_BITS)
    parameter OUT_SIGNED = 1,  // 1: outputs are two's complement (max: IN_SIGNED)
    parameter AVG_LSHIFT = 0,  // average: num = sum << AVG_LSHIFT
    parameter AVG_DIV    = 4,  // average: den
    parameter ROUND_MODE = 0,  // rounding of the average, 0..7 (tomatl_avg)
    parameter NARROW     = 0   // 1: narrow-range saturation
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
    // Input beat width.
    localparam X_BITS = PE * IN_BITS;
    // Output beat width.
    localparam Y_BITS = PE * OUT_BITS;
    // Width of a lane's running value: the exact sum of K codes, signed.
    localparam SUM_BITS = IN_BITS + 1 + ((K > 1) ? $clog2(K) : 0);
    // Counter width.
    localparam K_BITS = (K > 1) ? $clog2(K) : 1;
    // Cycles a credit is away: issue -> S1 -> S2 -> FIFO -> pop.
    localparam CREDIT_TRIP = 4;

    // ------------------------------------------------ parameter validation
    generate
        if (CH < 1 || PE < 1 || (CH % PE) != 0) begin : g_illegal_pe
            tomatl_illegal_parameter_CH_PE u_illegal ();
        end
        if (K < 1) begin : g_illegal_k
            tomatl_illegal_parameter_K u_illegal ();
        end
        if (KIND != 0 && KIND != 1) begin : g_illegal_kind
            tomatl_illegal_parameter_KIND u_illegal ();
        end
        if (IN_BITS < 1 || IN_BITS > 32 || (IN_SIGNED != 0 && IN_SIGNED != 1)) begin : g_illegal_in_type
            tomatl_illegal_parameter_IN_BITS_IN_SIGNED u_illegal ();
        end
        if (OUT_BITS < 1 || OUT_BITS > 32 || (OUT_SIGNED != 0 && OUT_SIGNED != 1) ||
            (KIND == 0 && (OUT_BITS != IN_BITS || OUT_SIGNED != IN_SIGNED))) begin : g_illegal_out_type
            tomatl_illegal_parameter_OUT_BITS_OUT_SIGNED u_illegal ();
        end
    endgenerate

    // ---------------------------------------------------------- issue stage
    // The window element (one loop: no outer count).
    wire [K_BITS-1:0] unused_k;
    wire [K_BITS-1:0] unused_flat;
    wire              unused_outer;
    wire              unused_outer_first;
    wire              unused_outer_last;
    wire              k_first;
    wire              k_last;
    wire step_ok;  // a step may issue (an output FIFO slot is free if it needs one)
    wire issue = step_ok && s_axis_tvalid;

    assign s_axis_tready = step_ok;

    tomatl_loop_counter #(
        .INNER(K),
        .OUTER(1)
    ) u_elem (
        .clk        (clk),
        .rst        (rst),
        .step       (issue),
        .inner      (unused_k),
        .outer      (unused_outer),
        .flat       (unused_flat),
        .inner_first(k_first),
        .inner_last (k_last),
        .outer_first(unused_outer_first),
        .outer_last (unused_outer_last)
    );

    // ------------------------------------------------------------- stage S1
    reg              v1_reg;
    reg              first1_reg;  // k == 0: start a new window
    reg              last1_reg;  // k == K-1: the window is complete
    reg [X_BITS-1:0] x1_reg;

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
        x1_reg     <= s_axis_tdata;
    end

    // ------------------------------------------------------------- stage S2
    reg v2_reg;  // the lanes hold complete windows

    always @(posedge clk) begin
        if (rst) begin
            v2_reg <= 1'b0;
        end else begin
            v2_reg <= v1_reg && last1_reg;
        end
    end

    // ------------------------------ per lane: running value, output (KIND)
    wire [Y_BITS-1:0] y;
    genvar gp;
    generate
        for (gp = 0; gp < PE; gp = gp + 1) begin : g_lane
            // The input lane, extended.
            wire [IN_BITS-1:0] x = x1_reg[gp*IN_BITS+:IN_BITS];
            wire [SUM_BITS-1:0] xe = {{(SUM_BITS - IN_BITS) {IN_SIGNED != 0 && x[IN_BITS-1]}}, x};
            // The running maximum or sum.
            reg [SUM_BITS-1:0] acc_reg;
            reg [SUM_BITS-1:0] acc_next;
            always @* begin
                if (first1_reg) begin
                    acc_next = xe;
                end else if (KIND == 0) begin
                    acc_next = ($signed(xe) > $signed(acc_reg)) ? xe : acc_reg;
                end else begin
                    acc_next = acc_reg + xe;
                end
            end
            always @(posedge clk) begin
                if (v1_reg) begin
                    acc_reg <= acc_next;
                end
            end

            if (KIND == 0) begin : g_max
                // The maximum is one of the codes: its low bits are the code.
                /* verilator lint_off UNUSEDSIGNAL */
                wire [SUM_BITS-1:0] m = acc_reg;
                /* verilator lint_on UNUSEDSIGNAL */
                assign y[gp*OUT_BITS+:OUT_BITS] = m[OUT_BITS-1:0];
            end else begin : g_avg
                tomatl_avg #(
                    .SUM_BITS  (SUM_BITS),
                    .AVG_LSHIFT(AVG_LSHIFT),
                    .AVG_DIV   (AVG_DIV),
                    .OUT_BITS  (OUT_BITS),
                    .OUT_SIGNED(OUT_SIGNED),
                    .ROUND_MODE(ROUND_MODE),
                    .NARROW    (NARROW)
                ) u_avg (
                    .sum(acc_reg),
                    .y  (y[gp*OUT_BITS+:OUT_BITS])
                );
            end
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
        .s_axis_tvalid(v2_reg),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
