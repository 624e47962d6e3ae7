// tomatl_gap: global average pooling, the per-channel average over all
// pixels of a frame.
//
// Input per frame: N_PIX pixels, each CH/PE beats of PE lanes (HWC: beat cg
// holds channels cg*PE .., lane p at [p*IN_BITS +: IN_BITS]). Output per
// frame: CH/PE beats of PE lanes, beat cg holds the averages of channels
// cg*PE .., lane p at [p*OUT_BITS +: OUT_BITS]: tomatl_avg of the exact sum
// over the pixels (rounded by ROUND_MODE, saturated; the generator passes
// AVG_DIV = N_PIX * 2^max(frac_in - frac_out, 0) and
// AVG_LSHIFT = max(frac_out - frac_in, 0)).
//
// The CH sums live in a shift register of CH/PE words (shift-register or
// LUT-RAM style, no read multiplexer): each input beat takes the oldest word
// (its channel group's running sum), adds the beat and shifts the result in.
// The beats of a frame's last pixel complete the sums, which go to the
// output FIFO through the divider while the next frame starts afresh: frames
// run back to back, one input beat per cycle, and the input is stalled only
// when the output side is (the last pixel's beats reserve output FIFO slots,
// credits, in tomatl_credit_out, so s_axis_tready depends on registers only).
// Latency: a frame's first output beat is valid 3 cycles after the first
// beat of its last pixel is accepted.
`default_nettype none

module tomatl_gap #(
    parameter CH         = 1,   // channels (>= 1)
    parameter PE         = 1,   // channels per beat (divides CH)
    parameter N_PIX      = 4,   // pixels per frame (>= 1)
    parameter IN_BITS    = 8,   // bits per input code (1..32)
    parameter IN_SIGNED  = 1,   // 1: inputs are two's complement, 0: unsigned
    parameter OUT_BITS   = 8,   // bits per output code (1..32)
    parameter OUT_SIGNED = 1,   // 1: outputs are two's complement
    parameter AVG_LSHIFT = 0,   // num = sum << AVG_LSHIFT
    parameter AVG_DIV    = 4,   // den
    parameter ROUND_MODE = 0,   // rounding of the average, 0..7 (tomatl_avg)
    parameter NARROW     = 0    // 1: narrow-range saturation
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
    // Output beat width.
    localparam Y_BITS = PE * OUT_BITS;
    // Width of a channel's exact sum over N_PIX codes, signed.
    localparam SUM_BITS = IN_BITS + 1 + ((N_PIX > 1) ? $clog2(N_PIX) : 0);
    // Width of a word of sums.
    localparam S_BITS = PE * SUM_BITS;
    // Counter widths.
    localparam NG_BITS = (NG > 1) ? $clog2(NG) : 1;
    localparam PIX_BITS = (N_PIX > 1) ? $clog2(N_PIX) : 1;
    // Width of the beat index within a frame (not needed).
    localparam FL_BITS = (NG * N_PIX > 1) ? $clog2(NG * N_PIX) : 1;
    // Cycles a credit is away: issue -> S1 -> S2 -> FIFO -> pop.
    localparam CREDIT_TRIP = 4;

    // ------------------------------------------------ parameter validation
    generate
        if (CH < 1 || PE < 1 || (CH % PE) != 0) begin : g_illegal_pe
            tomatl_illegal_parameter_CH_PE u_illegal ();
        end
        if (N_PIX < 1) begin : g_illegal_n_pix
            tomatl_illegal_parameter_N_PIX u_illegal ();
        end
        if (IN_BITS < 1 || IN_BITS > 32 || (IN_SIGNED != 0 && IN_SIGNED != 1)) begin : g_illegal_in_type
            tomatl_illegal_parameter_IN_BITS_IN_SIGNED u_illegal ();
        end
    endgenerate

    // ---------------------------------------------------------- issue stage
    // The beat: channel group within pixel.
    wire [ NG_BITS-1:0] unused_g;
    wire [PIX_BITS-1:0] unused_pix;
    wire [ FL_BITS-1:0] unused_flat;
    wire                unused_g_first;
    wire                unused_g_last;
    wire                pix_first;
    wire                pix_last;
    wire step_ok;  // a step may issue (an output FIFO slot is free if it needs one)
    wire issue = step_ok && s_axis_tvalid;

    assign s_axis_tready = step_ok;

    tomatl_loop_counter #(
        .INNER(NG),
        .OUTER(N_PIX)
    ) u_beat (
        .clk        (clk),
        .rst        (rst),
        .step       (issue),
        .inner      (unused_g),
        .outer      (unused_pix),
        .flat       (unused_flat),
        .inner_first(unused_g_first),
        .inner_last (unused_g_last),
        .outer_first(pix_first),
        .outer_last (pix_last)
    );
    // ------------------------------------------------------------- stage S1
    reg              v1_reg;
    reg              first1_reg;  // the frame's first pixel: start afresh
    reg              last1_reg;  // the frame's last pixel: the sums are complete
    reg [X_BITS-1:0] x1_reg;

    always @(posedge clk) begin
        if (rst) begin
            v1_reg <= 1'b0;
        end else begin
            v1_reg <= issue;
        end
    end

    always @(posedge clk) begin
        first1_reg <= pix_first;
        last1_reg  <= pix_last;
        x1_reg     <= s_axis_tdata;
    end

    // The running sums, a shift register of NG words: word NG-1 (the top) is
    // the oldest, this beat's group.
    reg  [NG*S_BITS-1:0] sums_reg;
    wire [  S_BITS-1:0] head = sums_reg[(NG-1)*S_BITS+:S_BITS];
    reg  [  S_BITS-1:0] sum_next;
    reg  [SUM_BITS-1:0] xe;  // an input lane, extended
    integer lp;
    always @* begin
        for (lp = 0; lp < PE; lp = lp + 1) begin
            xe = {{(SUM_BITS - IN_BITS) {IN_SIGNED != 0 && x1_reg[lp*IN_BITS+IN_BITS-1]}},
                  x1_reg[lp*IN_BITS+:IN_BITS]};
            sum_next[lp*SUM_BITS+:SUM_BITS] =
                (first1_reg ? {SUM_BITS{1'b0}} : head[lp*SUM_BITS+:SUM_BITS]) + xe;
        end
    end

    generate
        if (NG == 1) begin : g_one_group
            always @(posedge clk) begin
                if (v1_reg) begin
                    sums_reg <= sum_next;
                end
            end
        end else begin : g_shift
            always @(posedge clk) begin
                if (v1_reg) begin
                    sums_reg <= {sums_reg[(NG-1)*S_BITS-1:0], sum_next};
                end
            end
        end
    endgenerate

    // ------------------------------------------------------------- stage S2
    reg              v2_reg;  // sum2_reg holds complete sums
    reg [S_BITS-1:0] sum2_reg;

    always @(posedge clk) begin
        if (rst) begin
            v2_reg <= 1'b0;
        end else begin
            v2_reg <= v1_reg && last1_reg;
        end
    end

    always @(posedge clk) begin
        sum2_reg <= sum_next;
    end

    // ------------------------------------------------------------ averages
    wire [Y_BITS-1:0] y;
    genvar yp;
    generate
        for (yp = 0; yp < PE; yp = yp + 1) begin : g_avg
            tomatl_avg #(
                .SUM_BITS  (SUM_BITS),
                .AVG_LSHIFT(AVG_LSHIFT),
                .AVG_DIV   (AVG_DIV),
                .OUT_BITS  (OUT_BITS),
                .OUT_SIGNED(OUT_SIGNED),
                .ROUND_MODE(ROUND_MODE),
                .NARROW    (NARROW)
            ) u_avg (
                .sum(sum2_reg[yp*SUM_BITS+:SUM_BITS]),
                .y  (y[yp*OUT_BITS+:OUT_BITS])
            );
        end
    endgenerate

    // ------------------------------------------------- output FIFO, credits
    tomatl_credit_out #(
        .WIDTH  (Y_BITS),
        .TRIP   (CREDIT_TRIP),
        .SPACING(1)
    ) u_out (
        .clk          (clk),
        .rst          (rst),
        .step_ends    (pix_last),
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
