// tomatl_swu: sliding-window unit of a convolution or pooling layer, with
// zero padding and stride (no im2col in memory). Kernels up to 16x16
// (DS-CNN's first layer is 10x4).
//
// Input: frames of IN_H x IN_W pixels in row-major order, each pixel CB =
// CH/SIMD beats of SIMD channels (beat cb holds channels cb*SIMD ..).
// Output: for each output pixel (oy, ox) in row-major order, the window of
// input pixels (iy, ix) = (oy*S_H - PAD_T + ky, ox*S_W - PAD_L + kx), zeros
// for positions outside the image, as beats of SIMD channels:
//   DEPTHWISE 0: for ky { for kx { for cb } } (the order of tomatl_mvau,
//                IN_FEATURES = K_H*K_W*CH);
//   DEPTHWISE 1: for cb { for ky { for kx } } (tomatl_vvau, tomatl_pool).
// Element lane s of a beat is at [s*EL_BITS +: EL_BITS].
//
// Line buffer: a memory of NROWS = K_H + S_H image rows (ROW = IN_W*CB
// words of SIMD*EL_BITS bits each, NROWS*ROW words in all), one write port
// and one synchronous read port (block-RAM style). Rows are written in
// order into slots 0, 1, .., NROWS-1, 0, .. across frames, so the input side
// runs ahead into the next frame while the output side finishes the current
// one. The window of output row oy needs the real rows
// [L, L + nreal) with L = max(oy*S_H - PAD_T, 0); the writer may fill a row
// when fewer than NROWS rows from L on are held, the reader starts an output
// row when its nreal rows are complete: one counter E = (rows written) - L
// + NROWS serves both. The rows of an output row are released when its last
// beat is issued; that beat's memory read is still in flight for a cycle,
// so the writer holds back while its address equals the read address (a
// register compare). The writer holds at most NROWS rows and the reader
// needs at most K_H <= NROWS: it never deadlocks.
//
// Output pipeline: issue (window counters, address) -> A (address register)
// -> B (memory read, padding flag) -> output FIFO (tomatl_credit_out). A
// beat is issued only with an output FIFO slot reserved for it (credits), so
// nothing stalls inside and s_axis_tready depends on registers only.
//
// Rate, with the input always valid and the output always ready: one beat
// per cycle on each side; the reader waits only for whole rows, so a frame
// takes max(input beats, output beats) plus at most a few rows of fill
// (measured in generator/tests/rtl_cnn_units.rs).
`default_nettype none

module tomatl_swu #(
    parameter IN_H      = 4,  // image height (>= 1)
    parameter IN_W      = 4,  // image width (>= 1)
    parameter CH        = 1,  // channels per pixel (>= 1)
    parameter SIMD      = 1,  // channels per beat (divides CH)
    parameter EL_BITS   = 8,  // bits per element (>= 1)
    parameter K_H       = 3,  // kernel height (1..16)
    parameter K_W       = 3,  // kernel width (1..16)
    parameter S_H       = 1,  // vertical stride (1..4)
    parameter S_W       = 1,  // horizontal stride (1..4)
    parameter PAD_T     = 0,  // zero rows above the image (0..K_H-1)
    parameter PAD_L     = 0,  // zero columns left of the image (0..K_W-1)
    parameter PAD_B     = 0,  // zero rows below the image (0..K_H-1)
    parameter PAD_R     = 0,  // zero columns right of the image (0..K_W-1)
    parameter OUT_H     = 2,  // (IN_H + PAD_T + PAD_B - K_H) / S_H + 1
    parameter OUT_W     = 2,  // (IN_W + PAD_L + PAD_R - K_W) / S_W + 1
    parameter DEPTHWISE = 0   // 0: window order (ky, kx, cb), 1: (cb, ky, kx)
) (
    input  wire                    clk,
    input  wire                    rst,
    input  wire [SIMD*EL_BITS-1:0] s_axis_tdata,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,
    output wire [SIMD*EL_BITS-1:0] m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
);

    // ---------------------------------------------------------------- sizes
    // Beat width.
    localparam X_BITS = SIMD * EL_BITS;
    // Beats per pixel.
    localparam CB = CH / SIMD;
    // Words per image row.
    localparam ROW = IN_W * CB;
    // Rows held by the line buffer.
    localparam NROWS = K_H + S_H;
    // Words of the line buffer.
    localparam DEPTH = NROWS * ROW;
    // Padded image size.
    localparam PH = IN_H + PAD_T + PAD_B;
    localparam PW = IN_W + PAD_L + PAD_R;
    // Address width.
    localparam A_BITS = (DEPTH > 1) ? $clog2(DEPTH) : 1;
    // Width of the row balance E = D + NROWS (0 .. 2*NROWS).
    localparam E_BITS = $clog2(2 * NROWS + 1);
    // Width of the beat-within-pixel counter.
    localparam CBB = (CB > 1) ? $clog2(CB) : 1;
    // Width of the column counter of the writer.
    localparam COL_BITS = (ROW > 1) ? $clog2(ROW) : 1;
    // Width of the kernel position counters (0..15).
    localparam KB = 4;
    // Width of the slot numbers.
    localparam SL_BITS = $clog2(NROWS);
    // Width of the reader's coordinate and address arithmetic.
    localparam CW_A = $clog2(((PH > PW) ? PH : PW) + 32);
    localparam CW_B = (CW_A > E_BITS) ? CW_A : E_BITS;
    localparam CW = ((CW_B > A_BITS) ? CW_B : A_BITS) + 1;
    // Cycles a credit is away: issue -> A -> B -> FIFO -> pop.
    localparam CREDIT_TRIP = 4;

    // ------------------------------------------------ parameter validation
    generate
        if (IN_H < 1 || IN_W < 1) begin : g_illegal_in_size
            tomatl_illegal_parameter_IN_H_IN_W u_illegal ();
        end
        if (CH < 1 || SIMD < 1 || (CH % SIMD) != 0) begin : g_illegal_simd
            tomatl_illegal_parameter_CH_SIMD u_illegal ();
        end
        if (EL_BITS < 1) begin : g_illegal_el_bits
            tomatl_illegal_parameter_EL_BITS u_illegal ();
        end
        if (K_H < 1 || K_H > 16 || K_W < 1 || K_W > 16) begin : g_illegal_kernel
            tomatl_illegal_parameter_K_H_K_W u_illegal ();
        end
        if (S_H < 1 || S_H > 4 || S_W < 1 || S_W > 4) begin : g_illegal_stride
            tomatl_illegal_parameter_S_H_S_W u_illegal ();
        end
        if (PAD_T < 0 || PAD_T >= K_H || PAD_B < 0 || PAD_B >= K_H ||
            PAD_L < 0 || PAD_L >= K_W || PAD_R < 0 || PAD_R >= K_W) begin : g_illegal_pad
            tomatl_illegal_parameter_PAD u_illegal ();
        end
        if (PH < K_H || PW < K_W ||
            OUT_H != (PH - K_H) / S_H + 1 || OUT_W != (PW - K_W) / S_W + 1) begin : g_illegal_out_size
            tomatl_illegal_parameter_OUT_H_OUT_W u_illegal ();
        end
        if (DEPTHWISE != 0 && DEPTHWISE != 1) begin : g_illegal_depthwise
            tomatl_illegal_parameter_DEPTHWISE u_illegal ();
        end
    endgenerate

    // Sized constants of the reader (CW bits): each an integer, then cut.
    localparam C_PAD_T_I = PAD_T;  // first real padded row
    localparam C_END_H_I = PAD_T + IN_H;  // first padded row below the image
    localparam C_PAD_L_I = PAD_L;  // first real padded column
    localparam C_END_W_I = PAD_L + IN_W;  // first padded column right of the image
    localparam C_K_H_I = K_H;  // kernel height
    localparam C_S_H_I = S_H;  // vertical stride
    localparam C_S_W_I = S_W;  // horizontal stride
    localparam C_WY_LAST_I = (OUT_H - 1) * S_H;  // window top of the last output row
    localparam C_WX_LAST_I = (OUT_W - 1) * S_W;  // window left of the last output column
    localparam C_NROWS_I = NROWS;  // rows in the line buffer
    localparam C_CB_I = CB;  // beats per pixel
    localparam C_ROW_I = ROW;  // words per row
    localparam C_ZERO_I = 0;  // 0
    localparam [CW-1:0] C_PAD_T = C_PAD_T_I[CW-1:0];  // C_PAD_T_I, sized
    localparam [CW-1:0] C_END_H = C_END_H_I[CW-1:0];  // C_END_H_I, sized
    localparam [CW-1:0] C_PAD_L = C_PAD_L_I[CW-1:0];  // C_PAD_L_I, sized
    localparam [CW-1:0] C_END_W = C_END_W_I[CW-1:0];  // C_END_W_I, sized
    localparam [CW-1:0] C_K_H = C_K_H_I[CW-1:0];  // C_K_H_I, sized
    localparam [CW-1:0] C_S_H = C_S_H_I[CW-1:0];  // C_S_H_I, sized
    localparam [CW-1:0] C_S_W = C_S_W_I[CW-1:0];  // C_S_W_I, sized
    localparam [CW-1:0] C_WY_LAST = C_WY_LAST_I[CW-1:0];  // C_WY_LAST_I, sized
    localparam [CW-1:0] C_WX_LAST = C_WX_LAST_I[CW-1:0];  // C_WX_LAST_I, sized
    localparam [CW-1:0] C_NROWS = C_NROWS_I[CW-1:0];  // C_NROWS_I, sized
    localparam [CW-1:0] C_CB = C_CB_I[CW-1:0];  // C_CB_I, sized
    localparam [CW-1:0] C_ROW = C_ROW_I[CW-1:0];  // C_ROW_I, sized
    localparam [CW-1:0] C_ZERO = C_ZERO_I[CW-1:0];  // C_ZERO_I, sized
    localparam K_H_LAST_I = K_H - 1;  // last ky
    localparam K_W_LAST_I = K_W - 1;  // last kx
    localparam [KB-1:0] K_H_LAST = K_H_LAST_I[KB-1:0];  // K_H_LAST_I, sized
    localparam [KB-1:0] K_W_LAST = K_W_LAST_I[KB-1:0];  // K_W_LAST_I, sized
    localparam CB_LAST_I = CB - 1;  // last cb
    localparam [CBB-1:0] CB_LAST = CB_LAST_I[CBB-1:0];  // CB_LAST_I, sized
    localparam ROW_LAST_I = ROW - 1;  // last column word of a row
    localparam [COL_BITS-1:0] ROW_LAST = ROW_LAST_I[COL_BITS-1:0];  // ROW_LAST_I, sized
    localparam DEPTH_LAST_I = DEPTH - 1;  // last address
    localparam [A_BITS-1:0] A_LAST = DEPTH_LAST_I[A_BITS-1:0];  // DEPTH_LAST_I, sized
    localparam E_FULL_I = 2 * NROWS;  // E with D = NROWS
    localparam [E_BITS-1:0] E_START = NROWS[E_BITS-1:0];  // E with D = 0
    localparam [E_BITS-1:0] E_FULL = E_FULL_I[E_BITS-1:0];  // E_FULL_I, sized

    // --------------------------------------------------------- line buffer
    reg [X_BITS-1:0] mem[0:DEPTH-1];

    // --------------------------------------------------------------- writer
    reg [A_BITS-1:0] waddr_reg;
    reg [COL_BITS-1:0] wcol_reg;
    wire push = s_axis_tvalid && s_axis_tready;
    wire row_done = push && (wcol_reg == ROW_LAST);

    // The writer fills a row while fewer than NROWS rows from L on are held,
    // and holds back for one cycle when it would write the word the reader is
    // reading (the last read of a row that has just been released).
    wire read_clash;
    assign s_axis_tready = (e_reg < E_FULL) && !read_clash;


    always @(posedge clk) begin
        if (rst) begin
            waddr_reg <= {A_BITS{1'b0}};
            wcol_reg  <= {COL_BITS{1'b0}};
        end else if (push) begin
            waddr_reg <= (waddr_reg == A_LAST) ? {A_BITS{1'b0}} : waddr_reg + 1'b1;
            wcol_reg  <= row_done ? {COL_BITS{1'b0}} : wcol_reg + 1'b1;
        end
    end

    // --------------------------------------------------------------- reader
    reg [CW-1:0] wy_reg;  // padded row of the window top: oy*S_H
    reg [CW-1:0] wx_reg;  // padded column of the window left: ox*S_W
    reg [KB-1:0] ky_reg;
    reg [KB-1:0] kx_reg;
    reg [CBB-1:0] cb_reg;
    reg [SL_BITS-1:0] rslot_reg;  // slot of row L
    reg [E_BITS-1:0] e_reg;  // E = rows written - L + NROWS

    wire ky_last = (ky_reg == K_H_LAST);
    wire kx_last = (kx_reg == K_W_LAST);
    wire cb_last = (cb_reg == CB_LAST);
    wire win_last = ky_last && kx_last && cb_last;
    wire wy_last = (wy_reg == C_WY_LAST);
    wire wx_last = (wx_reg == C_WX_LAST);

    // Row L (padded) of the window whose top is padded row `wy`
    // (constant function of the window position).
    function [CW-1:0] first_real_row;
        input [CW-1:0] wy;
        begin
            first_real_row = (wy > C_PAD_T) ? wy : C_PAD_T;
        end
    endfunction

    // Rows released when the last beat of an output row is issued: from row
    // L of this window to row L of the next one (or to the end of the
    // image); fewer than NROWS, so E_BITS wide.
    function [E_BITS-1:0] rows_released;
        input [CW-1:0] wy;
        input          last;  // the frame's last output row
        // Only the low E_BITS bits are the count (the rest is zero).
        /* verilator lint_off UNUSEDSIGNAL */
        reg   [CW-1:0] n;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            n = last ? (C_END_H - first_real_row(wy)) :
                       (first_real_row(wy + C_S_H) - first_real_row(wy));
            rows_released = n[E_BITS-1:0];
        end
    endfunction

    // The slot of row L after `n` rows are released from slot `rslot`.
    function [SL_BITS-1:0] slot_after;
        input [SL_BITS-1:0] rslot;
        input [E_BITS-1:0]  n;
        reg   [CW-1:0]      sum;
        // Only the low SL_BITS bits hold the slot (the rest is zero).
        /* verilator lint_off UNUSEDSIGNAL */
        reg   [CW-1:0]      wrapped;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            sum = {{(CW - SL_BITS) {1'b0}}, rslot} + {{(CW - E_BITS) {1'b0}}, n};
            wrapped = (sum >= C_NROWS) ? (sum - C_NROWS) : sum;
            slot_after = wrapped[SL_BITS-1:0];
        end
    endfunction

    // The beat at window position (ky, kx, cb) is padding.
    function beat_pad;
        input [CW-1:0] wy;
        input [CW-1:0] wx;
        input [KB-1:0] ky;
        input [KB-1:0] kx;
        reg   [CW-1:0] py;
        reg   [CW-1:0] px;
        begin
            py = wy + {{(CW - KB) {1'b0}}, ky};
            px = wx + {{(CW - KB) {1'b0}}, kx};
            beat_pad = (py >= C_END_H) || (px >= C_END_W) ||
                       (PAD_T > 0 && py < C_PAD_T) || (PAD_L > 0 && px < C_PAD_L);
        end
    endfunction

    // x times the constant c, as the adds of c's set bits: an address is
    // never a multiplier (Yosys maps a product to a DSP however constant
    // one operand is).
    function [CW-1:0] times_const;
        input [CW-1:0] x;
        input [CW-1:0] c;  // a constant
        integer i;
        begin
            times_const = {CW{1'b0}};
            for (i = 0; i < CW; i = i + 1) begin
                if (c[i]) times_const = times_const + (x << i);
            end
        end
    endfunction

    // The line buffer address of the beat at window position (ky, kx, cb)
    // (meaningless for padding).
    function [A_BITS-1:0] beat_addr;
        input [CW-1:0]      wy;
        input [CW-1:0]      wx;
        input [KB-1:0]      ky;
        input [KB-1:0]      kx;
        input [CBB-1:0]     cb;
        input [SL_BITS-1:0] rslot;
        reg   [CW-1:0]      slot_sum;
        reg   [CW-1:0]      slot;
        reg   [CW-1:0]      col;
        // Only the low A_BITS bits address the memory (the rest is zero).
        /* verilator lint_off UNUSEDSIGNAL */
        reg   [CW-1:0]      addr;
        /* verilator lint_on UNUSEDSIGNAL */
        begin
            slot_sum = {{(CW - SL_BITS) {1'b0}}, rslot} +
                       ((wy + {{(CW - KB) {1'b0}}, ky}) - first_real_row(wy));
            slot = (slot_sum >= C_NROWS) ? (slot_sum - C_NROWS) : slot_sum;
            col = times_const(wx + {{(CW - KB) {1'b0}}, kx} - C_PAD_L, C_CB) +
                  {{(CW - CBB) {1'b0}}, cb};
            addr = times_const(slot, C_ROW) + col;
            beat_addr = addr[A_BITS-1:0];
        end
    endfunction

    // The real rows of this window (from row L) must be held. The address
    // and padding of a beat, and the rows released, are functions evaluated
    // where an issued beat needs them (nothing is computed for a waiting
    // unit but this test).
    wire [CW-1:0] ltop = first_real_row(wy_reg);
    wire [CW-1:0] wend = wy_reg + C_K_H;
    wire [CW-1:0] rend = (wend < C_END_H) ? wend : C_END_H;
    wire [CW-1:0] nreal = rend - ltop;
    wire [CW-1:0] e_ext = {{(CW - E_BITS) {1'b0}}, e_reg};
    wire rows_ok = (e_ext >= nreal + C_NROWS);

    wire credit_ok;  // an output FIFO slot can be reserved
    wire issue = credit_ok && rows_ok;
    wire release_rows = issue && win_last && wx_last;

    // The window counters.
    always @(posedge clk) begin
        if (rst) begin
            ky_reg <= {KB{1'b0}};
            kx_reg <= {KB{1'b0}};
            cb_reg <= {CBB{1'b0}};
        end else if (issue) begin
            if (DEPTHWISE == 0) begin
                if (cb_last) begin
                    cb_reg <= {CBB{1'b0}};
                    if (kx_last) begin
                        kx_reg <= {KB{1'b0}};
                        ky_reg <= ky_last ? {KB{1'b0}} : ky_reg  + 1'b1;
                    end else begin
                        kx_reg <= kx_reg  + 1'b1;
                    end
                end else begin
                    cb_reg <= cb_reg + 1'b1;
                end
            end else begin
                if (kx_last) begin
                    kx_reg <= {KB{1'b0}};
                    if (ky_last) begin
                        ky_reg <= {KB{1'b0}};
                        cb_reg <= cb_last ? {CBB{1'b0}} : cb_reg + 1'b1;
                    end else begin
                        ky_reg <= ky_reg  + 1'b1;
                    end
                end else begin
                    kx_reg <= kx_reg  + 1'b1;
                end
            end
        end
    end

    // The output pixel and the rows held.
    always @(posedge clk) begin
        if (rst) begin
            wy_reg     <= C_ZERO;
            wx_reg     <= C_ZERO;
            rslot_reg  <= {SL_BITS{1'b0}};
            e_reg      <= E_START;
        end else begin
            if (issue && win_last) begin
                if (wx_last) begin
                    wx_reg <= C_ZERO;
                    wy_reg <= wy_last ? C_ZERO : wy_reg + C_S_H;
                    rslot_reg <= slot_after(rslot_reg, rows_released(wy_reg, wy_last));
                end else begin
                    wx_reg <= wx_reg + C_S_W;
                end
            end
            // E counts a row written up and the rows released down.
            if (row_done || release_rows) begin
                e_reg <= e_reg + {{(E_BITS - 1) {1'b0}}, row_done} -
                         (release_rows ? rows_released(wy_reg, wy_last) : {E_BITS{1'b0}});
            end
        end
    end

    // ------------------------------------------------- read pipeline A, B
    reg a_v_reg;
    reg a_pad_reg;
    reg [A_BITS-1:0] a_addr_reg;
    reg b_v_reg;
    reg [X_BITS-1:0] rd_reg;  // the beat read, zero for padding

    assign read_clash = a_v_reg && (a_addr_reg == waddr_reg);

    always @(posedge clk) begin
        if (rst) begin
            a_v_reg <= 1'b0;
            b_v_reg <= 1'b0;
        end else begin
            a_v_reg <= issue;
            b_v_reg <= a_v_reg;
        end
    end

    // Loaded only by an issued beat: the address arithmetic and the beat-wide
    // read stay idle while the output side waits. The padding multiplexer
    // is in front of the read register (a synchronous reset of the read
    // port), so the output FIFO takes a register.
    always @(posedge clk) begin
        if (issue) begin
            a_pad_reg  <= beat_pad(wy_reg, wx_reg, ky_reg, kx_reg);
            a_addr_reg <= beat_addr(wy_reg, wx_reg, ky_reg, kx_reg, cb_reg, rslot_reg);
        end
        if (a_v_reg) begin
            rd_reg <= a_pad_reg ? {X_BITS{1'b0}} : mem[a_addr_reg];
        end
        // The line buffer is written after it is read, in the same process
        // and with a blocking assignment: the read sees the old contents as
        // with a nonblocking one (the writer never writes the word being
        // read: read_clash), and a simulator writes the word in place.
        /* verilator lint_off BLKSEQ */
        if (push) begin
            mem[waddr_reg] = s_axis_tdata;
        end
        /* verilator lint_on BLKSEQ */
    end

    // ------------------------------------------------- output FIFO, credits
    // Every issued beat holds a slot.
    tomatl_credit_out #(
        .WIDTH  (X_BITS),
        .TRIP   (CREDIT_TRIP),
        .SPACING(1)
    ) u_out (
        .clk          (clk),
        .rst          (rst),
        .step_ends    (1'b1),
        .step         (issue),
        .step_ok      (credit_ok),
        .s_axis_tdata (rd_reg),
        .s_axis_tvalid(b_v_reg),
        .m_axis_tdata (m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );

endmodule

`default_nettype wire
