// tomatl_dwc: AXI4-Stream width converter between beats of IN_ELEMS and
// OUT_ELEMS elements of EL_BITS bits.
//
// Element 0 of a beat is in the least significant bits of tdata, and the
// element order is preserved across beats: the stream e0 e1 e2 ... enters in
// beats of IN_ELEMS elements and leaves in beats of OUT_ELEMS elements. Any
// ratio is supported; frame boundaries are not its concern.
//
// Rate: with the downstream always ready it accepts a beat every cycle when
// IN_ELEMS <= OUT_ELEMS and emits a beat every cycle when
// OUT_ELEMS <= IN_ELEMS. s_axis_tready and m_axis_tvalid are registers: there
// is no combinational path between the two sides.
//
// Internally the elements are handled in groups of G = gcd(IN_ELEMS,
// OUT_ELEMS) elements, so every variable position is a multiple of G:
//  * IN_ELEMS == OUT_ELEMS: a two-entry register slice (tomatl_fifo).
//  * IN_ELEMS <  OUT_ELEMS: a buffer whose oldest element sits at position 0;
//    an output beat is taken from the bottom and the buffer shifts down by
//    OUT_ELEMS, an input beat is written just above the held elements.
//  * IN_ELEMS >  OUT_ELEMS: a buffer whose newest element sits at the top;
//    an input beat shifts the buffer down by IN_ELEMS and lands at the top,
//    an output beat is read just above the free space.
// The buffer holds C elements: OUT + 2*IN - G (up) or IN + 2*OUT - G (down),
// the least that keeps the full rate with registered handshakes.
`default_nettype none

module tomatl_dwc #(
    parameter EL_BITS   = 8,  // bits per element (>= 1)
    parameter IN_ELEMS  = 1,  // elements per input beat (>= 1)
    parameter OUT_ELEMS = 1   // elements per output beat (>= 1)
) (
    input  wire                           clk,
    input  wire                           rst,
    input  wire [ IN_ELEMS*EL_BITS-1:0] s_axis_tdata,
    input  wire                           s_axis_tvalid,
    output wire                           s_axis_tready,
    output wire [OUT_ELEMS*EL_BITS-1:0] m_axis_tdata,
    output wire                           m_axis_tvalid,
    input  wire                           m_axis_tready
);

    // Greatest common divisor (constant function).
    function integer gcd;
        input integer a;
        input integer b;
        integer x, y, t;
        begin
            x = a;
            y = b;
            while (y != 0) begin
                t = y;
                y = x % y;
                x = t;
            end
            gcd = x;
        end
    endfunction

    // Elements per group.
    localparam G = gcd(IN_ELEMS, OUT_ELEMS);
    // Bits per group.
    localparam GB = G * EL_BITS;
    // Groups per input beat.
    localparam IN_G = IN_ELEMS / G;
    // Groups per output beat.
    localparam OUT_G = OUT_ELEMS / G;
    // Buffer capacity in groups (see the header).
    localparam CAP_G = (IN_ELEMS < OUT_ELEMS) ? (OUT_G + 2 * IN_G - 1) : (IN_G + 2 * OUT_G - 1);
    // Width of the occupancy counter (0..CAP_G).
    localparam CNT_BITS = $clog2(CAP_G + 1);

    generate
        if (EL_BITS < 1) begin : g_illegal_el_bits
            tomatl_illegal_parameter_EL_BITS u_illegal ();
        end
        if (IN_ELEMS < 1) begin : g_illegal_in_elems
            tomatl_illegal_parameter_IN_ELEMS u_illegal ();
        end
        if (OUT_ELEMS < 1) begin : g_illegal_out_elems
            tomatl_illegal_parameter_OUT_ELEMS u_illegal ();
        end

        if (IN_ELEMS == OUT_ELEMS) begin : g_equal
            // Same width: a register slice.
            tomatl_fifo #(
                .WIDTH(IN_ELEMS * EL_BITS),
                .DEPTH(2)
            ) u_slice (
                .clk          (clk),
                .rst          (rst),
                .s_axis_tdata (s_axis_tdata),
                .s_axis_tvalid(s_axis_tvalid),
                .s_axis_tready(s_axis_tready),
                .m_axis_tdata (m_axis_tdata),
                .m_axis_tvalid(m_axis_tvalid),
                .m_axis_tready(m_axis_tready)
            );
        end else begin : g_convert
            localparam [CNT_BITS-1:0] CAP_C = CAP_G[CNT_BITS-1:0];  // capacity
            localparam [CNT_BITS-1:0] IN_C = IN_G[CNT_BITS-1:0];  // groups per input beat
            localparam [CNT_BITS-1:0] OUT_C = OUT_G[CNT_BITS-1:0];  // groups per output beat

            reg [CAP_G*GB-1:0] buf_reg;
            reg [CAP_G*GB-1:0] buf_next;
            reg [CNT_BITS-1:0] count_reg;  // groups held
            reg [CNT_BITS-1:0] count_next;
            reg                s_ready_reg;
            reg                m_valid_reg;

            wire               push = s_axis_tvalid && s_ready_reg;
            wire               pop = m_valid_reg && m_axis_tready;

            assign s_axis_tready = s_ready_reg;
            assign m_axis_tvalid = m_valid_reg;

            if (IN_ELEMS < OUT_ELEMS) begin : g_up
                // Oldest group at position 0.
                reg [CNT_BITS-1:0] base;  // where the input beat lands
                integer base_int;  // base as an integer
                integer i, j;
                assign m_axis_tdata = buf_reg[OUT_ELEMS*EL_BITS-1:0];
                always @* begin
                    // loop indices are set on every path: no latch
                    i = 0;
                    j = 0;
                    buf_next = buf_reg;
                    base = count_reg;
                    if (pop) begin
                        buf_next = buf_reg >> (OUT_G * GB);
                        base = count_reg - OUT_C;
                    end
                    base_int = 0;
                    base_int[CNT_BITS-1:0] = base;
                    if (push) begin
                        // group j of the input lands at i = base + j; both
                        // loop indices are constants, so no part select has
                        // a variable (multiplied) offset
                        for (i = 0; i < CAP_G; i = i + 1) begin
                            for (j = 0; j < IN_G; j = j + 1) begin
                                if (i == base_int + j) begin
                                    buf_next[i*GB+:GB] = s_axis_tdata[j*GB+:GB];
                                end
                            end
                        end
                    end
                    count_next = base + (push ? IN_C : {CNT_BITS{1'b0}});
                end
            end else begin : g_down
                // Newest group at the top; held groups at [CAP_G-count, CAP_G).
                wire [CNT_BITS-1:0] rd_pos = CAP_C - count_reg;
                // a multiplexer over the group positions (a part select at
                // rd_pos*GB would build a multiplier)
                integer k;
                reg [OUT_ELEMS*EL_BITS-1:0] rd_data;
                always @* begin
                    rd_data = buf_reg[OUT_ELEMS*EL_BITS-1:0];
                    for (k = 0; k + OUT_G <= CAP_G; k = k + 1) begin
                        if ({{(32 - CNT_BITS) {1'b0}}, rd_pos} == k) begin
                            rd_data = buf_reg[k*GB+:OUT_ELEMS*EL_BITS];
                        end
                    end
                end
                assign m_axis_tdata = rd_data;
                always @* begin
                    buf_next = buf_reg;
                    count_next = count_reg;
                    if (pop) begin
                        count_next = count_next - OUT_C;
                    end
                    if (push) begin
                        buf_next = {s_axis_tdata, buf_reg[CAP_G*GB-1:IN_G*GB]};
                        count_next = count_next + IN_C;
                    end
                end
            end

            always @(posedge clk) begin
                if (push || pop) begin
                    buf_reg <= buf_next;
                end
            end

            always @(posedge clk) begin
                if (rst) begin
                    count_reg   <= {CNT_BITS{1'b0}};
                    s_ready_reg <= 1'b0;
                    m_valid_reg <= 1'b0;
                end else begin
                    count_reg   <= count_next;
                    s_ready_reg <= ({1'b0, count_next} + {1'b0, IN_C} <= {1'b0, CAP_C});
                    m_valid_reg <= (count_next >= OUT_C);
                end
            end
        end
    endgenerate

endmodule

`default_nettype wire
